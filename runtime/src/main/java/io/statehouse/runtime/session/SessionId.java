package io.statehouse.runtime.session;

import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * A session's identity. The entity id (and so the persistence id) includes the tenant: a request is
 * always routed to {@code <caller's tenant>:<id>}, so another tenant's session simply does not
 * exist for the caller, and the read side knows each event's tenant from its persistence id.
 */
public record SessionId(String tenant, String id) {
  public static final String ENTITY_TYPE = "session";
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  public SessionId {
    if (tenant == null || tenant.isEmpty() || tenant.contains(":")) {
      throw new IllegalArgumentException("bad tenant " + tenant);
    }
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException("bad session id " + id);
    }
  }

  public static SessionId random(String tenant) {
    return new SessionId(tenant, "ses_" + UUID.randomUUID().toString().replace("-", ""));
  }

  public static boolean isWellFormed(String id) {
    return id != null && ID.matcher(id).matches();
  }

  public String entityId() {
    return tenant + ":" + id;
  }

  public PersistenceId persistenceId() {
    return PersistenceId.of(ENTITY_TYPE, entityId());
  }

  public static SessionId fromEntityId(String entityId) {
    int colon = entityId.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("not a session entity id: " + entityId);
    }
    return new SessionId(entityId.substring(0, colon), entityId.substring(colon + 1));
  }

  public static SessionId fromPersistenceId(String persistenceId) {
    String prefix = ENTITY_TYPE + PersistenceId.DefaultSeparator();
    if (!persistenceId.startsWith(prefix)) {
      throw new IllegalArgumentException("not a session persistence id: " + persistenceId);
    }
    return fromEntityId(persistenceId.substring(prefix.length()));
  }
}

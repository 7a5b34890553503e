package io.statehouse.runtime.session;

import io.statehouse.runtime.EntityIds;
import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * A session's identity. The entity id (and so the persistence id) includes the tenant: a request is
 * always routed to {@code <caller's tenant>:<id>}, so another tenant's session simply does not
 * exist for the caller, and the read side knows each event's tenant from its persistence id.
 */
public record SessionId(String tenant, String id) {
  public static final String ENTITY_TYPE = "session";

  public SessionId {
    EntityIds.check(tenant, id, "session");
  }

  public static SessionId random(String tenant) {
    return new SessionId(tenant, EntityIds.random("ses_"));
  }

  public static boolean isWellFormed(String id) {
    return EntityIds.isWellFormed(id);
  }

  public String entityId() {
    return EntityIds.entityId(tenant, id);
  }

  public PersistenceId persistenceId() {
    return PersistenceId.of(ENTITY_TYPE, entityId());
  }

  public static SessionId fromEntityId(String entityId) {
    String[] parts = EntityIds.split(entityId, "session");
    return new SessionId(parts[0], parts[1]);
  }

  public static SessionId fromPersistenceId(String persistenceId) {
    String prefix = ENTITY_TYPE + PersistenceId.DefaultSeparator();
    if (!persistenceId.startsWith(prefix)) {
      throw new IllegalArgumentException("not a session persistence id: " + persistenceId);
    }
    return fromEntityId(persistenceId.substring(prefix.length()));
  }
}

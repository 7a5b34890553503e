package io.statehouse.runtime.workspace;

import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * A team workspace's identity. As for sessions, the entity id includes the tenant: a request is
 * routed to {@code <caller's tenant>:<id>}, so another tenant's workspace does not exist for the
 * caller.
 */
public record WorkspaceId(String tenant, String id) {
  public static final String ENTITY_TYPE = "workspace";
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  public WorkspaceId {
    if (tenant == null || tenant.isEmpty() || tenant.contains(":")) {
      throw new IllegalArgumentException("bad tenant " + tenant);
    }
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException("bad workspace id " + id);
    }
  }

  public static WorkspaceId random(String tenant) {
    return new WorkspaceId(tenant, "ws_" + UUID.randomUUID().toString().replace("-", ""));
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

  public static WorkspaceId fromEntityId(String entityId) {
    int colon = entityId.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("not a workspace entity id: " + entityId);
    }
    return new WorkspaceId(entityId.substring(0, colon), entityId.substring(colon + 1));
  }
}

package io.statehouse.runtime.workspace;

import io.statehouse.runtime.EntityIds;
import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * A team workspace's identity. As for sessions, the entity id includes the tenant: a request is
 * routed to {@code <caller's tenant>:<id>}, so another tenant's workspace does not exist for the
 * caller.
 */
public record WorkspaceId(String tenant, String id) {
  public static final String ENTITY_TYPE = "workspace";

  public WorkspaceId {
    EntityIds.check(tenant, id, "workspace");
  }

  public static WorkspaceId random(String tenant) {
    return new WorkspaceId(tenant, EntityIds.random("ws_"));
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

  public static WorkspaceId fromEntityId(String entityId) {
    String[] parts = EntityIds.split(entityId, "workspace");
    return new WorkspaceId(parts[0], parts[1]);
  }
}

package io.statehouse.runtime;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The rules of tenant-scoped entity ids (sessions, team workspaces): an id of letters, digits,
 * {@code _} and {@code -}, and an entity id {@code <tenant>:<id>}, so that a request routed with
 * the caller's tenant never reaches another tenant's entity.
 */
public final class EntityIds {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private EntityIds() {}

  /** Throws unless {@code tenant} and {@code id} are usable; {@code kind} names the id's kind. */
  public static void check(String tenant, String id, String kind) {
    if (tenant == null || tenant.isEmpty() || tenant.contains(":")) {
      throw new IllegalArgumentException("bad tenant " + tenant);
    }
    if (!isWellFormed(id)) {
      throw new IllegalArgumentException("bad " + kind + " id " + id);
    }
  }

  public static boolean isWellFormed(String id) {
    return id != null && ID.matcher(id).matches();
  }

  /** A new id: {@code prefix} and a random UUID's hex digits. */
  public static String random(String prefix) {
    return prefix + UUID.randomUUID().toString().replace("-", "");
  }

  public static String entityId(String tenant, String id) {
    return tenant + ":" + id;
  }

  /** The tenant and the id of an entity id; {@code kind} names the id's kind in the error. */
  public static String[] split(String entityId, String kind) {
    int colon = entityId.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("not a " + kind + " entity id: " + entityId);
    }
    return new String[] {entityId.substring(0, colon), entityId.substring(colon + 1)};
  }
}

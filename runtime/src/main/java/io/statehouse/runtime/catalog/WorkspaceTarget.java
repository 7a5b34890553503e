package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import java.util.Objects;

/**
 * A tool the runtime gives a team member: operation {@code op} ({@code workspace_read}, …) on
 * workspace {@code workspaceId}, acting as {@code role}. Never registered by tenants: only the
 * specs a team run pins into its member sessions carry one.
 */
public record WorkspaceTarget(String workspaceId, String role, String op)
    implements CborSerializable, ToolTarget {
  public WorkspaceTarget {
    Objects.requireNonNull(workspaceId, "workspaceId");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(op, "op");
  }
}

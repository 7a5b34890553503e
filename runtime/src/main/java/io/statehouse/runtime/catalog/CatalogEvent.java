package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import java.time.Instant;

/** Events of a tenant's catalog. Schema: never rename or move; add fields with defaults. */
public sealed interface CatalogEvent extends CborSerializable {
  /** A tool was registered or changed; {@code spec.version()} is its new version. */
  record ToolRegistered(Instant at, String actor, ToolSpec spec) implements CatalogEvent {}

  /** An agent was registered or changed; {@code spec.version()} is its new version. */
  record AgentRegistered(Instant at, String actor, AgentSpec spec) implements CatalogEvent {}

  /**
   * An MCP server was registered or changed (its definition or the tools it lists); {@code
   * spec.version()} is its new version.
   */
  record McpServerRegistered(Instant at, String actor, McpServerSpec spec)
      implements CatalogEvent {}

  /** An MCP server was removed; {@code version} is the one it had. */
  record McpServerRemoved(Instant at, String actor, String name, int version)
      implements CatalogEvent {}

  /** A team was registered or changed; {@code spec.version()} is its new version. */
  record TeamRegistered(Instant at, String actor, TeamSpec spec) implements CatalogEvent {}
}

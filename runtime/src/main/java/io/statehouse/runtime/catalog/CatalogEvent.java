package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import java.time.Instant;

/** Events of a tenant's catalog. Schema: never rename or move; add fields with defaults. */
public sealed interface CatalogEvent extends CborSerializable {
  /** A tool was registered or changed; {@code spec.version()} is its new version. */
  record ToolRegistered(Instant at, String actor, ToolSpec spec) implements CatalogEvent {}

  /** An agent was registered or changed; {@code spec.version()} is its new version. */
  record AgentRegistered(Instant at, String actor, AgentSpec spec) implements CatalogEvent {}
}

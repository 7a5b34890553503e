package io.statehouse.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.CborSerializable;
import java.time.Duration;
import java.util.Objects;

/**
 * A registered tool: what input it accepts, how to reach it, and how failures are handled. A
 * session pins the specs of its agent's tools when it opens, so a tool re-registered later changes
 * only sessions opened after that.
 *
 * @param idempotent whether running it twice with the same idempotency key is safe; only idempotent
 *     tools are retried, and only they are re-run after a crash
 * @param timeout limit for one attempt
 */
public record ToolSpec(
    String name,
    int version,
    String description,
    JsonNode inputSchema,
    boolean idempotent,
    Duration timeout,
    RetryPolicy retry,
    HttpTarget http)
    implements CborSerializable {

  public ToolSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(inputSchema, "inputSchema");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(retry, "retry");
    Objects.requireNonNull(http, "http");
    description = description == null ? "" : description;
  }

  public ToolSpec withVersion(int newVersion) {
    return new ToolSpec(
        name, newVersion, description, inputSchema, idempotent, timeout, retry, http);
  }

  /** Same definition, ignoring the version the catalog assigned. */
  public boolean sameDefinitionAs(ToolSpec other) {
    return withVersion(0).equals(other.withVersion(0));
  }
}

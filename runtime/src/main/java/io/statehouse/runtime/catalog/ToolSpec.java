package io.statehouse.runtime.catalog;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.CborSerializable;
import java.time.Duration;
import java.util.Objects;

/**
 * A registered tool: what input it accepts, how to reach it, and how failures are handled. A
 * session pins the specs of its agent's tools when it opens, so a tool re-registered later changes
 * only sessions opened after that.
 *
 * <p>Exactly one of {@code http}, {@code mcp}, {@code builtin} and {@code workspace} is set ({@link
 * #target()}). Specs stored before MCP and built-in tools existed have {@code http} only and read
 * back unchanged; the others are left out of the stored form when absent, so those specs keep their
 * bytes and audit hashes. Only the runtime makes {@code workspace} specs (team members' tools).
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
    HttpTarget http,
    McpTarget mcp,
    BuiltinTarget builtin,
    WorkspaceTarget workspace)
    implements CborSerializable, Versioned<ToolSpec> {

  public ToolSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(inputSchema, "inputSchema");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(retry, "retry");
    int targets =
        (http != null ? 1 : 0)
            + (mcp != null ? 1 : 0)
            + (builtin != null ? 1 : 0)
            + (workspace != null ? 1 : 0);
    if (targets != 1) {
      throw new IllegalArgumentException(
          "tool " + name + " needs exactly one target: http, mcp or builtin");
    }
    description = description == null ? "" : description;
  }

  /** A tool of one of the kinds tenants register: HTTP, MCP or built-in. */
  public ToolSpec(
      String name,
      int version,
      String description,
      JsonNode inputSchema,
      boolean idempotent,
      Duration timeout,
      RetryPolicy retry,
      HttpTarget http,
      McpTarget mcp,
      BuiltinTarget builtin) {
    this(
        name,
        version,
        description,
        inputSchema,
        idempotent,
        timeout,
        retry,
        http,
        mcp,
        builtin,
        null);
  }

  /** An HTTP tool. */
  public ToolSpec(
      String name,
      int version,
      String description,
      JsonNode inputSchema,
      boolean idempotent,
      Duration timeout,
      RetryPolicy retry,
      HttpTarget http) {
    this(name, version, description, inputSchema, idempotent, timeout, retry, http, null, null);
  }

  /** A tool reached through {@code target}, of any kind. */
  public static ToolSpec of(
      String name,
      int version,
      String description,
      JsonNode inputSchema,
      boolean idempotent,
      Duration timeout,
      RetryPolicy retry,
      ToolTarget target) {
    return new ToolSpec(
        name,
        version,
        description,
        inputSchema,
        idempotent,
        timeout,
        retry,
        target instanceof HttpTarget h ? h : null,
        target instanceof McpTarget m ? m : null,
        target instanceof BuiltinTarget b ? b : null,
        target instanceof WorkspaceTarget w ? w : null);
  }

  /** Where the tool runs. */
  @JsonIgnore
  public ToolTarget target() {
    if (http != null) {
      return http;
    }
    if (mcp != null) {
      return mcp;
    }
    return builtin != null ? builtin : workspace;
  }

  @Override
  public ToolSpec withVersion(int newVersion) {
    return new ToolSpec(
        name,
        newVersion,
        description,
        inputSchema,
        idempotent,
        timeout,
        retry,
        http,
        mcp,
        builtin,
        workspace);
  }

  /** Same definition, ignoring the version the catalog assigned. */
  @Override
  public boolean sameDefinitionAs(ToolSpec other) {
    return withVersion(0).equals(other.withVersion(0));
  }
}

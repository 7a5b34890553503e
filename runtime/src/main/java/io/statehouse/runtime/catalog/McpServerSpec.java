package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A registered MCP server of one tenant: how to reach it, how its tools' calls are bounded and
 * retried, and the tools it listed when it was registered (which agents may name by their {@code
 * modelName}). Registering again re-discovers the tools; the version grows only when the definition
 * or the tools changed.
 *
 * @param timeout one call of any of its tools, unless {@code toolOptions} says otherwise
 * @param retry retries of its idempotent tools
 * @param toolOptions per tool, by its name on the server: whether it is idempotent, its timeout
 * @param toolsTruncated whether the server listed more tools than the node keeps ({@code
 *     statehouse.mcp.max-tools}); the ones past the limit cannot be used
 */
public record McpServerSpec(
    String name,
    int version,
    String description,
    McpConnection connection,
    Duration timeout,
    RetryPolicy retry,
    Map<String, ToolOptions> toolOptions,
    List<McpTool> tools,
    boolean toolsTruncated)
    implements CborSerializable {

  public McpServerSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(retry, "retry");
    description = description == null ? "" : description;
    toolOptions = toolOptions == null ? Map.of() : Map.copyOf(toolOptions);
    tools = tools == null ? List.of() : List.copyOf(tools);
  }

  /** What a registration says about one tool; null fields: decided by the server's hints. */
  public record ToolOptions(Boolean idempotent, Duration timeout) implements CborSerializable {}

  public McpServerSpec withVersion(int newVersion) {
    return new McpServerSpec(
        name,
        newVersion,
        description,
        connection,
        timeout,
        retry,
        toolOptions,
        tools,
        toolsTruncated);
  }

  /** The same registration with the tools discovery found. */
  public McpServerSpec withTools(List<McpTool> discovered, boolean truncated) {
    return new McpServerSpec(
        name, version, description, connection, timeout, retry, toolOptions, discovered, truncated);
  }

  /** Same definition and tools, ignoring the version the catalog assigned. */
  public boolean sameDefinitionAs(McpServerSpec other) {
    return withVersion(0).equals(other.withVersion(0));
  }

  /** The tool the model knows as {@code modelName}. */
  public Optional<McpTool> tool(String modelName) {
    return tools.stream().filter(t -> t.modelName().equals(modelName)).findFirst();
  }

  /**
   * The spec a session pins for {@code tool}: its schema, idempotency, timeout and retries, and
   * this registration's connection. Its version is the server's.
   */
  public ToolSpec toolSpec(McpTool tool) {
    ToolOptions options = toolOptions.get(tool.name());
    Duration callTimeout =
        options != null && options.timeout() != null ? options.timeout() : timeout;
    return ToolSpec.of(
        tool.modelName(),
        version,
        tool.description(),
        tool.inputSchema(),
        tool.idempotent(),
        callTimeout,
        retry,
        new McpTarget(name, version, tool.name(), connection));
  }
}

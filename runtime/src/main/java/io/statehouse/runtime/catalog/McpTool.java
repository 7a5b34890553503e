package io.statehouse.runtime.catalog;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.CborSerializable;
import java.util.Objects;

/**
 * A tool an MCP server listed when it was registered, as agents may use it.
 *
 * @param name the tool's name on the server (what {@code tools/call} is sent)
 * @param modelName the name the model sees ({@link McpToolNames#modelName})
 * @param inputSchema its JSON Schema; null when it is not usable
 * @param annotations the hints the server gave ({@code readOnlyHint}, {@code idempotentHint}, …),
 *     as it sent them; null when none
 * @param idempotent as decided at registration: the registration's word for this tool, else the
 *     server's {@code readOnlyHint} or {@code idempotentHint}
 * @param unusable why agents cannot use it (a schema too large or invalid, a name collision); null
 *     when they can
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record McpTool(
    String name,
    String modelName,
    String description,
    JsonNode inputSchema,
    JsonNode annotations,
    boolean idempotent,
    String unusable)
    implements CborSerializable {
  public McpTool {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(modelName, "modelName");
    description = description == null ? "" : description;
  }

  public boolean usable() {
    return unusable == null && inputSchema != null;
  }
}

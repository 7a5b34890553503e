package io.statehouse.runtime.tool.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.spec.McpSchema;
import io.statehouse.runtime.catalog.McpServerSpec;
import io.statehouse.runtime.catalog.McpTool;
import io.statehouse.runtime.catalog.McpToolNames;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.tool.ArgumentValidator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tools an MCP server lists, as the node lets agents use them: each with the name the model
 * sees, and whether it is usable and why not. Every listed tool is kept (up to {@code max-tools}),
 * usable or not, so a listing shows what the server offers and what stands in the way.
 *
 * @param truncated whether the server offered more tools (or pages) than the node reads
 */
public record McpDiscovery(List<McpTool> tools, boolean truncated) {
  public McpDiscovery {
    tools = List.copyOf(tools);
  }

  /**
   * Decides each listed tool for registration {@code spec}: its model name, its idempotency (the
   * registration's word for it, else the server's {@code readOnlyHint} or {@code idempotentHint}),
   * and whether its schema can be used.
   */
  static McpDiscovery of(
      McpServerSpec spec, List<McpSchema.Tool> listed, boolean truncated, McpSettings settings) {
    List<McpTool> tools = new ArrayList<>();
    Map<String, List<Integer>> byModelName = new HashMap<>();
    for (McpSchema.Tool t : listed) {
      if (t == null || t.name() == null) {
        continue;
      }
      String modelName = McpToolNames.modelName(spec.name(), t.name());
      JsonNode schema = t.inputSchema() == null ? null : Json.MAPPER.valueToTree(t.inputSchema());
      String unusable = schemaProblem(schema, settings);
      JsonNode annotations =
          t.annotations() == null ? null : Json.MAPPER.valueToTree(t.annotations());
      if (annotations != null && annotations.isEmpty()) {
        annotations = null;
      }
      McpServerSpec.ToolOptions options = spec.toolOptions().get(t.name());
      boolean idempotent =
          options != null && options.idempotent() != null
              ? options.idempotent()
              : t.annotations() != null
                  && (Boolean.TRUE.equals(t.annotations().readOnlyHint())
                      || Boolean.TRUE.equals(t.annotations().idempotentHint()));
      String description = t.description() == null ? "" : t.description();
      if (description.length() > settings.maxSchemaBytes()) {
        description = description.substring(0, settings.maxSchemaBytes()) + "…";
      }
      byModelName.computeIfAbsent(modelName, k -> new ArrayList<>()).add(tools.size());
      tools.add(
          new McpTool(
              t.name(),
              modelName,
              description,
              unusable == null ? schema : null,
              annotations,
              idempotent,
              unusable));
    }
    // the same model name twice: the server listed a name twice, or two names share a hash
    for (List<Integer> same : byModelName.values()) {
      if (same.size() > 1) {
        for (int i : same) {
          McpTool t = tools.get(i);
          tools.set(
              i,
              new McpTool(
                  t.name(),
                  t.modelName(),
                  t.description(),
                  null,
                  t.annotations(),
                  t.idempotent(),
                  "the server lists "
                      + same.size()
                      + " tools that the model would know as "
                      + t.modelName()));
        }
      }
    }
    return new McpDiscovery(tools, truncated);
  }

  private static String schemaProblem(JsonNode schema, McpSettings settings) {
    if (schema == null || !schema.isObject()) {
      return "it has no input schema";
    }
    int size = Json.MAPPER.valueToTree(schema).toString().getBytes(StandardCharsets.UTF_8).length;
    if (size > settings.maxSchemaBytes()) {
      return "its input schema is "
          + size
          + " bytes, more than this node's limit of "
          + settings.maxSchemaBytes()
          + " (statehouse.mcp.max-schema-size)";
    }
    List<String> problems = ArgumentValidator.schemaProblems(schema);
    if (!problems.isEmpty()) {
      return "its input schema is not usable: " + String.join("; ", problems);
    }
    if (!"object".equals(schema.path("type").asText())) {
      return "its input schema does not describe an object (\"type\": \"object\")";
    }
    return null;
  }
}

package io.statehouse.runtime.tool;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.SpecVersionDetector;
import com.networknt.schema.ValidationMessage;
import io.statehouse.runtime.catalog.ToolSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Checks tool inputs against the tool's JSON Schema (draft 2020-12 unless the schema's {@code
 * $schema} names another draft).
 *
 * <p>Compiled schemas are cached by the schema's own content (the schema JSON itself, compared by
 * value), not by tool name and version: every tenant has its own catalog, so {@code search@1} of
 * one tenant is not {@code search@1} of another. (A SHA-256 of the canonical JSON served the same
 * purpose, but cost a serialization and a digest on every tool call.) The cache holds at most
 * {@link #DEFAULT_MAX_SCHEMAS} schemas and drops the least recently used.
 */
public final class ArgumentValidator {
  public static final int DEFAULT_MAX_SCHEMAS = 1_000;

  private final Map<JsonNode, JsonSchema> compiled;

  public ArgumentValidator() {
    this(DEFAULT_MAX_SCHEMAS);
  }

  public ArgumentValidator(int maxSchemas) {
    this.compiled =
        Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
              @Override
              protected boolean removeEldestEntry(Map.Entry<JsonNode, JsonSchema> eldest) {
                return size() > maxSchemas;
              }
            });
  }

  /** The problems with {@code input}, empty when it is valid. */
  public List<String> problems(ToolSpec spec, JsonNode input) {
    return problems(spec.inputSchema(), input);
  }

  /** The problems with {@code value} against {@code schemaJson}, empty when it is valid. */
  public List<String> problems(JsonNode schemaJson, JsonNode value) {
    // JsonNode equality and hash codes are by value: equal schemas share one entry. The key is a
    // copy, so that no later change to a caller's node can move an entry under its hash
    JsonSchema schema = compiled.get(schemaJson);
    if (schema == null) {
      schema = compile(schemaJson);
      compiled.putIfAbsent(schemaJson.deepCopy(), schema);
    }
    return messages(schema, value);
  }

  /** How many compiled schemas are cached. */
  public int cachedSchemas() {
    return compiled.size();
  }

  /**
   * Problems with a schema itself: it must be an object, use only local {@code $ref}s (a schema
   * must never make the runtime fetch from the network), and validate against its draft's
   * meta-schema, which the validator bundles.
   */
  public static List<String> schemaProblems(JsonNode schema) {
    if (schema == null || !schema.isObject()) {
      return List.of("inputSchema must be a JSON object");
    }
    List<String> remoteRefs = new ArrayList<>();
    collectRemoteRefs(schema, remoteRefs);
    if (!remoteRefs.isEmpty()) {
      return List.of("inputSchema may only use local $ref values (starting with #): " + remoteRefs);
    }
    try {
      SpecVersion.VersionFlag version = versionOf(schema);
      JsonSchemaFactory factory = JsonSchemaFactory.getInstance(version);
      JsonSchema meta = factory.getSchema(SchemaLocation.of(version.getId()));
      List<String> problems = messages(meta, schema);
      if (problems.isEmpty()) {
        factory.getSchema(schema);
      }
      return problems;
    } catch (RuntimeException e) {
      return List.of("inputSchema is not a usable JSON Schema: " + e.getMessage());
    }
  }

  private static List<String> messages(JsonSchema schema, JsonNode input) {
    return schema.validate(input).stream()
        .map(ValidationMessage::getMessage)
        .sorted()
        .collect(Collectors.toList());
  }

  private static JsonSchema compile(JsonNode schema) {
    return JsonSchemaFactory.getInstance(versionOf(schema)).getSchema(schema);
  }

  private static SpecVersion.VersionFlag versionOf(JsonNode schema) {
    return schema.has("$schema")
        ? SpecVersionDetector.detect(schema)
        : SpecVersion.VersionFlag.V202012;
  }

  private static void collectRemoteRefs(JsonNode node, List<String> out) {
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        if (field.getKey().equals("$ref")
            && field.getValue().isTextual()
            && !field.getValue().asText().startsWith("#")) {
          out.add(field.getValue().asText());
        }
        collectRemoteRefs(field.getValue(), out);
      }
    } else if (node.isArray()) {
      node.forEach(child -> collectRemoteRefs(child, out));
    }
  }
}

package io.statehouse.runtime.tool.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;

/**
 * One in-process tool of a {@link ToolProvider}. {@link #call} gets input that already passed the
 * registered schema; it may answer on its own thread or on the calling one (the node's built-in
 * tool pool), and should not block longer than the tool's timeout. Its answer is what the model
 * sees: a JSON string node as text, anything else as JSON. A failure is an exception: a {@link
 * BuiltinToolException} says whether it may have acted and may be retried; any other exception
 * counts as a failure that may have acted.
 */
public interface BuiltinTool {
  String name();

  String description();

  /** A JSON Schema of an object: what the tool accepts. */
  JsonNode inputSchema();

  /** Whether running it twice with the same idempotency key is safe. */
  boolean idempotent();

  CompletionStage<JsonNode> call(JsonNode input, CallContext ctx);

  /** A tool from its parts. */
  static BuiltinTool of(
      String name,
      String description,
      JsonNode inputSchema,
      boolean idempotent,
      BiFunction<JsonNode, CallContext, CompletionStage<JsonNode>> body) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(inputSchema, "inputSchema");
    Objects.requireNonNull(body, "body");
    return new BuiltinTool() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String description() {
        return description == null ? "" : description;
      }

      @Override
      public JsonNode inputSchema() {
        return inputSchema;
      }

      @Override
      public boolean idempotent() {
        return idempotent;
      }

      @Override
      public CompletionStage<JsonNode> call(JsonNode input, CallContext ctx) {
        return body.apply(input, ctx);
      }
    };
  }
}

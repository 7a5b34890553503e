package io.statehouse.runtime.model.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.ModelRequest;
import io.statehouse.runtime.model.ToolDescriptor;
import io.statehouse.runtime.model.ToolResultBlock;
import io.statehouse.runtime.model.ToolUse;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A session's conversation as a chat-completions request body. The session's history is richer than
 * the API's rules allow, so this is where they are met:
 *
 * <ul>
 *   <li>an assistant message with {@code tool_calls} must be followed by one {@code tool} message
 *       per call before anything else: a call that never got a result (its turn ended first) gets
 *       an error result saying so;
 *   <li>a {@code tool} message must answer a call of the assistant message just before: a result
 *       that answers none is left out;
 *   <li>empty messages are left out.
 * </ul>
 *
 * <p>A tool result that is an error starts with {@code ERROR: }: the API has no error flag.
 */
final class OpenAiConversation {
  static final String NO_RESULT = "no result: the turn ended before this call finished";
  static final String ERROR_PREFIX = "ERROR: ";

  private OpenAiConversation() {}

  /** The whole request body of one call; the same for every attempt. */
  static ObjectNode body(ModelRequest request, OpenAiOptions options) {
    ObjectNode body = Json.object();
    body.put("model", options.model());
    body.set("messages", messages(request));
    if (!request.tools().isEmpty()) {
      body.set("tools", tools(request));
    }
    if (options.maxTokens() != null) {
      body.put("max_tokens", options.maxTokens());
    }
    if (options.temperature() != null) {
      body.put("temperature", options.temperature());
    }
    if (options.topP() != null) {
      body.put("top_p", options.topP());
    }
    if (!options.stop().isEmpty()) {
      ArrayNode stop = body.putArray("stop");
      options.stop().forEach(stop::add);
    }
    if (options.streaming()) {
      body.put("stream", true);
      // usage arrives in a last chunk with no choices, before [DONE]
      body.putObject("stream_options").put("include_usage", true);
    }
    return body;
  }

  static ArrayNode tools(ModelRequest request) {
    ArrayNode tools = Json.MAPPER.createArrayNode();
    for (ToolDescriptor t : request.tools()) {
      ObjectNode function = tools.addObject().put("type", "function").putObject("function");
      function.put("name", t.name());
      if (t.description() != null && !t.description().isBlank()) {
        function.put("description", t.description());
      }
      JsonNode schema = t.inputSchema();
      if (schema == null || schema.isNull()) {
        ObjectNode empty = Json.object().put("type", "object");
        empty.putObject("properties");
        schema = empty;
      }
      function.set("parameters", schema);
    }
    return tools;
  }

  /** The messages, following the API's rules (see the class comment). */
  static ArrayNode messages(ModelRequest request) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    if (request.instructions() != null && !request.instructions().isBlank()) {
      out.addObject().put("role", "system").put("content", request.instructions());
    }
    // the calls of the last assistant message still waiting for a result, in order
    Set<String> pending = new LinkedHashSet<>();
    for (ChatMessage m : request.messages()) {
      for (ToolResultBlock r : m.toolResults()) {
        if (pending.remove(r.toolUseId())) {
          out.add(toolMessage(r));
        }
      }
      boolean hasText = m.text() != null && !m.text().isBlank();
      switch (m.role()) {
        case USER, TOOL -> {
          if (hasText) {
            answerPending(out, pending);
            out.addObject().put("role", "user").put("content", m.text());
          }
        }
        case ASSISTANT -> {
          if (!hasText && m.toolUses().isEmpty()) {
            continue;
          }
          answerPending(out, pending);
          ObjectNode a = out.addObject().put("role", "assistant");
          if (hasText) {
            a.put("content", m.text());
          } else {
            // what the API itself returns for a message made only of tool calls
            a.putNull("content");
          }
          if (!m.toolUses().isEmpty()) {
            ArrayNode calls = a.putArray("tool_calls");
            for (ToolUse u : m.toolUses()) {
              ObjectNode call = calls.addObject().put("id", u.id()).put("type", "function");
              JsonNode input = u.input() == null || u.input().isNull() ? Json.object() : u.input();
              call.putObject("function").put("name", u.name()).put("arguments", input.toString());
              pending.add(u.id());
            }
          }
        }
      }
    }
    answerPending(out, pending);
    return out;
  }

  /** An error result for every call still pending, so that the server accepts the history. */
  private static void answerPending(ArrayNode out, Set<String> pending) {
    for (String id : pending) {
      out.add(toolMessage(new ToolResultBlock(id, NO_RESULT, true)));
    }
    pending.clear();
  }

  private static ObjectNode toolMessage(ToolResultBlock r) {
    String content = r.content() == null || r.content().isEmpty() ? "(empty)" : r.content();
    return Json.object()
        .put("role", "tool")
        .put("tool_call_id", r.toolUseId())
        .put("content", r.error() ? ERROR_PREFIX + content : content);
  }
}

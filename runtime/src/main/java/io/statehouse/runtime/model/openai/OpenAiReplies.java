package io.statehouse.runtime.model.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.ModelCallException;
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.StopReason;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.Usage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What chat-completions replies mean in the runtime's terms: stop reasons in the Converse
 * vocabulary, usage, tool arguments, and the server's error objects.
 */
final class OpenAiReplies {
  static final int MAX_MESSAGE_CHARS = 500;

  private OpenAiReplies() {}

  /** {@code finish_reason} in the vocabulary of {@link StopReason}; unknown values as they are. */
  static String stopReason(String finishReason, boolean hasToolCalls) {
    if (finishReason == null) {
      // a stream that said [DONE] without a finish_reason
      return (hasToolCalls ? StopReason.TOOL_USE : StopReason.END_TURN).wire();
    }
    return switch (finishReason) {
      case "stop" -> StopReason.END_TURN.wire();
      case "length" -> StopReason.MAX_TOKENS.wire();
      case "tool_calls", "function_call" -> StopReason.TOOL_USE.wire();
      case "content_filter" -> StopReason.CONTENT_FILTERED.wire();
      default -> finishReason;
    };
  }

  /** {@code usage}; the prompt tokens a cache served are counted apart from the others. */
  static Usage usage(JsonNode u) {
    if (u == null || !u.isObject()) {
      return Usage.ZERO;
    }
    long prompt = Math.max(0, u.path("prompt_tokens").asLong(0));
    long completion = Math.max(0, u.path("completion_tokens").asLong(0));
    long cached = Math.max(0, u.path("prompt_tokens_details").path("cached_tokens").asLong(0));
    cached = Math.min(cached, prompt);
    return new Usage(prompt - cached, completion, BigDecimal.ZERO, cached, null);
  }

  /** A tool call's arguments, which the API sends as a JSON text; empty text is no arguments. */
  static JsonNode arguments(String json, String tool, String stopReason) {
    String text = json == null ? "" : json.trim();
    if (text.isEmpty()) {
      return Json.object();
    }
    try {
      return Json.MAPPER.readTree(text);
    } catch (Exception e) {
      throw new ModelCallException(
          "model_malformed_output",
          "the model's arguments for tool "
              + bounded(tool)
              + " are not JSON (stop reason "
              + stopReason
              + ")",
          false);
    }
  }

  /** A whole (not streamed) reply: the first choice's message. */
  static ModelReply reply(JsonNode body) {
    JsonNode error = body.get("error");
    if (error != null && !error.isNull()) {
      throw inBody(error);
    }
    JsonNode choice = body.path("choices").path(0);
    if (!choice.isObject()) {
      throw new ModelCallException(
          "model_malformed_output", "the model server's reply has no choices", false);
    }
    JsonNode message = choice.path("message");
    StringBuilder text = new StringBuilder();
    appendContent(message.get("content"), text);
    if (text.length() == 0 && message.path("refusal").isTextual()) {
      text.append(message.get("refusal").textValue());
    }
    JsonNode calls = message.path("tool_calls");
    String finish = textOrNull(choice.get("finish_reason"));
    String stop = stopReason(finish, calls.size() > 0);
    List<ToolUse> uses = new ArrayList<>();
    for (int i = 0; i < calls.size(); i++) {
      JsonNode c = calls.get(i);
      String name = textOrNull(c.path("function").get("name"));
      JsonNode args = c.path("function").get("arguments");
      JsonNode input =
          args != null && args.isObject()
              ? args
              : arguments(args == null ? null : args.asText(""), name, stop);
      uses.add(new ToolUse(callId(textOrNull(c.get("id")), i), name, input));
    }
    return new ModelReply(text.toString(), uses, stop, usage(body.get("usage")));
  }

  /** Text content, as a string or as a list of text parts. */
  static void appendContent(JsonNode content, StringBuilder text) {
    if (content == null) {
      return;
    }
    if (content.isTextual()) {
      text.append(content.textValue());
    } else if (content.isArray()) {
      for (JsonNode part : content) {
        if (part.path("text").isTextual()) {
          text.append(part.get("text").textValue());
        }
      }
    }
  }

  /** The call's id, or one made up for servers that send none. */
  static String callId(String id, int index) {
    return id == null || id.isBlank() ? "call_" + index : id;
  }

  /** An {@code error} object inside a 200 reply or a stream. */
  static ModelCallException inBody(JsonNode error) {
    String message = errorMessage(error).orElse("no message");
    JsonNode code = error.path("code");
    int status = code.canConvertToInt() ? code.asInt() : parseInt(code.asText(""));
    String type = error.path("type").asText("");
    if (status == 429 || type.contains("rate_limit")) {
      return new ModelCallException(
          "model_throttled", "the model server throttled the call: " + message, true);
    }
    if (status == 400 || type.contains("invalid_request")) {
      return new ModelCallException(
          "model_validation", "the model server refused the request: " + message, false);
    }
    return new ModelCallException("model_error", "the model failed: " + message, true);
  }

  /**
   * The server's own words from an error body: {@code error.message}, or an {@code error}, {@code
   * message} or {@code detail} text (vLLM, llama.cpp and proxies differ); bounded, one line.
   */
  static Optional<String> errorMessage(JsonNode body) {
    if (body == null) {
      return Optional.empty();
    }
    for (JsonNode n :
        List.of(
            body.path("error").path("message"),
            body.path("error"),
            body.path("message"),
            body.path("detail"))) {
      if (n.isTextual() && !n.textValue().isBlank()) {
        return Optional.of(bounded(n.textValue()));
      }
    }
    return Optional.empty();
  }

  /** At most {@link #MAX_MESSAGE_CHARS} characters, control characters as spaces. */
  static String bounded(String s) {
    if (s == null) {
      return "null";
    }
    String cut = s;
    if (s.length() > MAX_MESSAGE_CHARS) {
      // never end on half a surrogate pair
      int end =
          Character.isHighSurrogate(s.charAt(MAX_MESSAGE_CHARS - 1))
              ? MAX_MESSAGE_CHARS - 1
              : MAX_MESSAGE_CHARS;
      cut = s.substring(0, end) + "…";
    }
    StringBuilder out = new StringBuilder(cut.length());
    cut.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
    return out.toString().trim();
  }

  static String textOrNull(JsonNode n) {
    return n != null && n.isTextual() ? n.textValue() : null;
  }

  private static int parseInt(String s) {
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}

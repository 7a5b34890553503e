package io.statehouse.runtime.model.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.model.ModelCallException;
import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A streamed reply put together from its {@code chat.completion.chunk}s: text deltas go on to the
 * sink as they come; tool calls are assembled by their {@code index} (id and name in the first
 * chunk of a call, its {@code arguments} text split anywhere across the following ones, calls
 * possibly interleaved) and their arguments read as JSON only at the end, each piece of arguments
 * going on to the sink as it comes, under the id and name the call had when it came. Only the first
 * choice counts. Chunks come from one subscriber, one at a time.
 */
final class StreamAssembly {
  private final Consumer<ModelDelta> sink;
  private final StringBuilder text = new StringBuilder();
  private final TreeMap<Integer, Call> calls = new TreeMap<>();
  private String finishReason;
  private Usage usage = Usage.ZERO;
  private boolean done;
  private Call lastCall;

  /** {@code sink}: each non-empty text or arguments piece, in order, as it arrives. */
  StreamAssembly(Consumer<ModelDelta> sink) {
    this.sink = sink;
  }

  /** One chunk; an {@code error} object in it fails the attempt. */
  void chunk(JsonNode chunk) {
    JsonNode error = chunk.get("error");
    if (error != null && !error.isNull()) {
      throw OpenAiReplies.inBody(error);
    }
    JsonNode u = chunk.get("usage");
    if (u != null && u.isObject()) {
      usage = OpenAiReplies.usage(u);
    }
    for (JsonNode choice : chunk.path("choices")) {
      if (choice.path("index").asInt(0) != 0) {
        continue;
      }
      JsonNode delta = choice.path("delta");
      StringBuilder piece = new StringBuilder();
      OpenAiReplies.appendContent(delta.get("content"), piece);
      if (delta.path("refusal").isTextual()) {
        piece.append(delta.get("refusal").textValue());
      }
      if (piece.length() > 0) {
        text.append(piece);
        sink.accept(new ModelDelta.Text(piece.toString()));
      }
      JsonNode toolCalls = delta.path("tool_calls");
      for (JsonNode c : toolCalls) {
        toolCall(c);
      }
      String finish = OpenAiReplies.textOrNull(choice.get("finish_reason"));
      if (finish != null) {
        finishReason = finish;
      }
    }
  }

  /** {@code data: [DONE]}: the stream says it is complete. */
  void done() {
    done = true;
  }

  boolean isDone() {
    return done;
  }

  /** The reply, once the stream ended; a stream that never said it was complete is a failure. */
  ModelReply reply() {
    if (!done && finishReason == null) {
      // a connection cut short can end like a finished stream; only these say the reply is whole
      throw new ModelCallException(
          "model_connection",
          "the reply stream from the model server ended before the reply did",
          true);
    }
    String stop = OpenAiReplies.stopReason(finishReason, !calls.isEmpty());
    List<ToolUse> uses = new ArrayList<>();
    for (Map.Entry<Integer, Call> e : calls.entrySet()) {
      Call c = e.getValue();
      uses.add(
          new ToolUse(
              OpenAiReplies.callId(c.id, e.getKey()),
              c.name.toString(),
              OpenAiReplies.arguments(c.arguments.toString(), c.name.toString(), stop)));
    }
    return new ModelReply(text.toString(), uses, stop, usage);
  }

  private void toolCall(JsonNode c) {
    String id = OpenAiReplies.textOrNull(c.get("id"));
    Call call = callFor(c.get("index"), id);
    if (call.id == null && id != null && !id.isEmpty()) {
      call.id = id;
    }
    JsonNode function = c.path("function");
    String name = OpenAiReplies.textOrNull(function.get("name"));
    // most servers send the name once; some repeat it whole in later chunks, some split it
    if (name != null && !name.contentEquals(call.name)) {
      call.name.append(name);
    }
    JsonNode args = function.get("arguments");
    String piece = null;
    if (args != null && args.isTextual()) {
      piece = args.textValue();
      call.arguments.append(piece);
    } else if (args != null && args.isObject()) {
      // a few servers send the arguments as an object, whole
      piece = args.toString();
      call.arguments.setLength(0);
      call.arguments.append(piece);
    }
    lastCall = call;
    if (piece != null && !piece.isEmpty()) {
      sink.accept(
          new ModelDelta.ToolInput(
              OpenAiReplies.callId(call.id, call.index), call.name.toString(), piece));
    }
  }

  /**
   * The call a chunk continues: by {@code index}; without one (some servers), by id, else a new
   * call when the chunk has a new id, else the call the previous chunk continued.
   */
  private Call callFor(JsonNode index, String id) {
    if (index != null && index.canConvertToInt()) {
      return calls.computeIfAbsent(index.intValue(), Call::new);
    }
    if (id != null && !id.isEmpty()) {
      for (Call c : calls.values()) {
        if (id.equals(c.id)) {
          return c;
        }
      }
    } else if (lastCall != null) {
      return lastCall;
    }
    int next = calls.isEmpty() ? 0 : calls.lastKey() + 1;
    Call c = new Call(next);
    calls.put(next, c);
    return c;
  }

  private static final class Call {
    /** Its key in {@code calls}: what names it when the server gave no id. */
    final int index;

    String id;
    final StringBuilder name = new StringBuilder();
    final StringBuilder arguments = new StringBuilder();

    Call(int index) {
      this.index = index;
    }
  }
}

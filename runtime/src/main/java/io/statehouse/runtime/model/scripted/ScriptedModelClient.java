package io.statehouse.runtime.model.scripted;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.catalog.ScriptStep;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.ModelClient;
import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.ModelRequest;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.Usage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A deterministic, offline model for demos and tests ({@code provider: scripted}). It never calls a
 * network and never guesses: the reply is a pure function of the conversation.
 *
 * <p>The step used is the number of assistant messages already in the conversation, so the same
 * conversation always gets the same reply, before and after a crash. Past the last step it answers
 * with the text of the last user message, unless {@code loop} is set, which cycles the script (step
 * modulo its length). Text is streamed word by word, then each tool use's input in a few pieces;
 * with {@code latencyMs} the pieces are spread over the latency and the reply comes at its end
 * (cancelling the call stops the pieces), without it they all come at once, before the reply. Token
 * counts are word counts; cost is zero.
 */
public final class ScriptedModelClient implements ModelClient {
  public static final String PROVIDER = "scripted";

  /** How many pieces a tool use's input is streamed in, at most. */
  private static final int INPUT_PIECES = 3;

  @Override
  public CompletionStage<ModelReply> converse(
      ModelRequest request, Consumer<ModelDelta> deltaSink) {
    ModelReply reply = replyFor(request);
    long latency = request.model().latencyMs() == null ? 0 : request.model().latencyMs();
    if (latency <= 0 && deltaSink == ModelDelta.DISCARD) {
      // the benchmark's case with nobody watching: nothing to render
      return CompletableFuture.completedFuture(reply);
    }
    List<ModelDelta> pieces = deltas(reply);
    if (latency <= 0) {
      // no timers: every piece at once, then the reply
      try {
        pieces.forEach(deltaSink);
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
      return CompletableFuture.completedFuture(reply);
    }
    return new Paced(reply, pieces, deltaSink, TimeUnit.MILLISECONDS.toNanos(latency)).start();
  }

  /**
   * One call with latency: the pieces at even intervals from the start (the first at once), the
   * reply at the latency. One timer at a time, each scheduling the next, so a cancelled call leaves
   * at most one pending timer and it delivers nothing.
   */
  private static final class Paced {
    private final ModelReply reply;
    private final List<ModelDelta> pieces;
    private final Consumer<ModelDelta> sink;
    private final long latencyNanos;
    private final long startNanos = System.nanoTime();
    private final CompletableFuture<ModelReply> result = new CompletableFuture<>();

    Paced(ModelReply reply, List<ModelDelta> pieces, Consumer<ModelDelta> sink, long latencyNanos) {
      this.reply = reply;
      this.pieces = pieces;
      this.sink = sink;
      this.latencyNanos = latencyNanos;
    }

    CompletableFuture<ModelReply> start() {
      step(0);
      return result;
    }

    /** Delivers the pieces from {@code i} on whose time has come, then waits for the next one. */
    private void step(int i) {
      for (int next = i; ; next++) {
        if (result.isDone()) {
          return; // cancelled: nothing more reaches the sink
        }
        long due =
            startNanos
                + (next >= pieces.size() ? latencyNanos : latencyNanos * next / pieces.size());
        long wait = due - System.nanoTime();
        if (wait > 0) {
          int from = next;
          CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS).execute(() -> step(from));
          return;
        }
        if (next >= pieces.size()) {
          result.complete(reply);
          return;
        }
        try {
          sink.accept(pieces.get(next));
        } catch (RuntimeException e) {
          // on a timer thread nobody else would see it: the call fails instead of never ending
          result.completeExceptionally(e);
          return;
        }
      }
    }
  }

  /** The reply for a conversation, without latency or streaming. */
  public static ModelReply replyFor(ModelRequest request) {
    ModelSpec model = request.model();
    List<ScriptStep> script = model.script();
    // one pass over the conversation, which grows with every turn
    int step = 0;
    long inputTokens = words(request.instructions());
    for (ChatMessage m : request.messages()) {
      if (m.role() == ChatMessage.Role.ASSISTANT) {
        step++;
      }
      inputTokens += words(m);
    }

    ScriptStep chosen = null;
    if (step < script.size()) {
      chosen = script.get(step);
    } else if (model.loop() && !script.isEmpty()) {
      chosen = script.get(step % script.size());
    }
    if (chosen == null) {
      String echo = lastUserText(request.messages());
      return new ModelReply(echo, List.of(), "end_turn", usage(inputTokens, words(echo)));
    }
    List<ToolUse> uses = new ArrayList<>();
    for (int i = 0; i < chosen.toolCalls().size(); i++) {
      ScriptStep.Call call = chosen.toolCalls().get(i);
      uses.add(new ToolUse("call_" + step + "_" + i, call.name(), call.input()));
    }
    String stop = uses.isEmpty() ? "end_turn" : "tool_use";
    return new ModelReply(
        chosen.text(), uses, stop, usage(inputTokens, words(chosen.text()) + uses.size()));
  }

  private static Usage usage(long in, long out) {
    return new Usage(in, out, BigDecimal.ZERO);
  }

  private static String lastUserText(List<ChatMessage> messages) {
    for (int i = messages.size() - 1; i >= 0; i--) {
      ChatMessage m = messages.get(i);
      if (m.role() == ChatMessage.Role.USER && m.text() != null) {
        return m.text();
      }
    }
    return "";
  }

  private static long words(ChatMessage m) {
    long n = words(m.text());
    for (var r : m.toolResults()) {
      n += words(r.content());
    }
    for (var u : m.toolUses()) {
      n += 1 + (u.input() == null ? 0 : jsonWords(u.input()));
    }
    return n;
  }

  /**
   * {@code words(node.toString())} without rendering the JSON. Compact JSON has whitespace only
   * inside its strings (Jackson escapes the control characters, so those render as non-space), and
   * begins and ends with a non-space character: it has one word more than runs of whitespace.
   */
  static long jsonWords(JsonNode node) {
    return node.isMissingNode() ? 0 : 1 + spaceRuns(node);
  }

  private static long spaceRuns(JsonNode node) {
    if (node.isTextual()) {
      return spaceRuns(node.textValue());
    }
    long n = 0;
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        n += spaceRuns(e.getKey()) + spaceRuns(e.getValue());
      }
    } else if (node.isArray()) {
      for (JsonNode item : node) {
        n += spaceRuns(item);
      }
    }
    return n;
  }

  /** Runs of whitespace that JSON renders as is (a control character is escaped, so not space). */
  private static long spaceRuns(String text) {
    long runs = 0;
    boolean inRun = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean space = c >= 0x20 && Character.isWhitespace(c);
      if (space && !inRun) {
        runs++;
      }
      inRun = space;
    }
    return runs;
  }

  /** Whitespace-separated words; called for the whole conversation on every call, so no regex. */
  private static long words(String text) {
    if (text == null) {
      return 0;
    }
    long count = 0;
    boolean inWord = false;
    for (int i = 0; i < text.length(); i++) {
      boolean space = Character.isWhitespace(text.charAt(i));
      if (!space && !inWord) {
        count++;
      }
      inWord = !space;
    }
    return count;
  }

  /**
   * What the reply streams: its text word by word, then each tool use's input JSON (rendered once)
   * in up to {@value #INPUT_PIECES} pieces.
   */
  private static List<ModelDelta> deltas(ModelReply reply) {
    List<ModelDelta> out = new ArrayList<>();
    String text = reply.text();
    if (text != null && !text.isEmpty()) {
      for (String part : text.split("(?<=\\s)")) {
        out.add(new ModelDelta.Text(part));
      }
    }
    for (ToolUse use : reply.toolUses()) {
      if (use.input() == null) {
        continue;
      }
      String json = use.input().toString();
      int size = Math.max(1, (json.length() + INPUT_PIECES - 1) / INPUT_PIECES);
      for (int from = 0; from < json.length(); ) {
        int to = Math.min(json.length(), from + size);
        if (to < json.length() && Character.isHighSurrogate(json.charAt(to - 1))) {
          to++; // never split a character in two
        }
        out.add(new ModelDelta.ToolInput(use.id(), use.name(), json.substring(from, to)));
        from = to;
      }
    }
    return out;
  }
}

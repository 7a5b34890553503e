package io.statehouse.runtime.model.scripted;

import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.catalog.ScriptStep;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.ModelClient;
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.ModelRequest;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.Usage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
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
 * modulo its length). Text is streamed word by word. Token counts are word counts; cost is zero.
 */
public final class ScriptedModelClient implements ModelClient {
  public static final String PROVIDER = "scripted";

  @Override
  public CompletionStage<ModelReply> converse(ModelRequest request, Consumer<String> deltaSink) {
    ModelReply reply = replyFor(request);
    long latency = request.model().latencyMs() == null ? 0 : request.model().latencyMs();
    CompletableFuture<ModelReply> result =
        latency > 0
            ? CompletableFuture.supplyAsync(
                () -> reply, CompletableFuture.delayedExecutor(latency, TimeUnit.MILLISECONDS))
            : CompletableFuture.completedFuture(reply);
    return result.thenApply(
        r -> {
          streamWords(r.text(), deltaSink);
          return r;
        });
  }

  /** The reply for a conversation, without latency or streaming. */
  public static ModelReply replyFor(ModelRequest request) {
    ModelSpec model = request.model();
    List<ScriptStep> script = model.script();
    int step =
        (int)
            request.messages().stream().filter(m -> m.role() == ChatMessage.Role.ASSISTANT).count();
    long inputTokens =
        words(request.instructions())
            + request.messages().stream().mapToLong(ScriptedModelClient::words).sum();

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
      n += 1 + words(u.input() == null ? null : u.input().toString());
    }
    return n;
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

  private static void streamWords(String text, Consumer<String> sink) {
    if (text == null || text.isEmpty()) {
      return;
    }
    String[] parts = text.split("(?<=\\s)");
    for (String part : parts) {
      sink.accept(part);
    }
  }
}

package io.statehouse.runtime.model;

import static io.statehouse.runtime.testing.Specs.call;
import static io.statehouse.runtime.testing.Specs.calls;
import static io.statehouse.runtime.testing.Specs.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.catalog.ScriptStep;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.scripted.ScriptedModelClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ScriptedModelClientTest {
  private final ScriptedModelClient model = new ScriptedModelClient();

  private static ModelRequest request(
      boolean loop, Long latency, List<ChatMessage> messages, ScriptStep... script) {
    return new ModelRequest(
        new ModelSpec("scripted", null, latency, loop, List.of(script)), "", messages, List.of());
  }

  private static ChatMessage assistant() {
    return ChatMessage.assistant("x", List.of());
  }

  @Test
  void picksTheStepFromTheNumberOfAssistantMessages() {
    ScriptStep[] script = {calls(call("search", "{\"q\":\"a\"}")), text("second"), text("third")};
    ModelReply first =
        ScriptedModelClient.replyFor(request(false, null, List.of(ChatMessage.user("hi")), script));
    ModelReply second =
        ScriptedModelClient.replyFor(
            request(false, null, List.of(ChatMessage.user("hi"), assistant()), script));

    assertTrue(first.wantsTools());
    assertEquals("search", first.toolUses().get(0).name());
    assertEquals("call_0_0", first.toolUses().get(0).id());
    assertEquals("tool_use", first.stopReason());
    assertEquals("second", second.text());
    assertFalse(second.wantsTools());
  }

  @Test
  void sameConversationGetsTheSameReply() {
    List<ChatMessage> conversation =
        List.of(ChatMessage.user("hi"), assistant(), ChatMessage.user("again"));
    ScriptStep[] script = {text("a"), calls(call("t", "{\"q\":\"z\"}"))};
    assertEquals(
        ScriptedModelClient.replyFor(request(false, null, conversation, script)),
        ScriptedModelClient.replyFor(request(false, null, conversation, script)));
  }

  @Test
  void pastTheLastStepItEchoesTheLastUserMessage() {
    List<ChatMessage> conversation =
        List.of(ChatMessage.user("one"), assistant(), ChatMessage.user("echo me please"));
    ModelReply reply =
        ScriptedModelClient.replyFor(request(false, null, conversation, text("only step")));
    assertEquals("echo me please", reply.text());
  }

  @Test
  void loopCyclesTheScriptModuloItsLength() {
    List<ChatMessage> threeAssistants =
        List.of(
            ChatMessage.user("u"), assistant(), assistant(), assistant(), ChatMessage.user("v"));
    ModelReply reply =
        ScriptedModelClient.replyFor(
            request(true, null, threeAssistants, text("even"), text("odd")));
    assertEquals("odd", reply.text(), "step 3 modulo 2 is step 1");
  }

  private static List<String> texts(List<ModelDelta> deltas) {
    List<String> out = new ArrayList<>();
    for (ModelDelta d : deltas) {
      if (d instanceof ModelDelta.Text t) {
        out.add(t.text());
      }
    }
    return out;
  }

  @Test
  void streamsTheTextWordByWordAsDeltas() throws Exception {
    List<ModelDelta> deltas = new ArrayList<>();
    ModelReply reply =
        model
            .converse(
                request(false, null, List.of(ChatMessage.user("hi")), text("three little words")),
                deltas::add)
            .toCompletableFuture()
            .get(1, TimeUnit.SECONDS);
    assertEquals(List.of("three ", "little ", "words"), texts(deltas));
    assertEquals(reply.text(), String.join("", texts(deltas)));
  }

  @Test
  void streamsEachToolUsesInputAfterTheTextInPiecesThatJoinToIt() throws Exception {
    ScriptStep step =
        new ScriptStep(
            "Looking both up.",
            List.of(
                call("search", "{\"q\":\"refund policy\",\"limit\":3}"),
                call("lookup", "{\"id\":\"ord-7\",\"note\":\"ünïcode ✓ 注文\"}")));
    List<ModelDelta> deltas = new ArrayList<>();
    ModelReply reply =
        model
            .converse(request(false, null, List.of(ChatMessage.user("hi")), step), deltas::add)
            .toCompletableFuture()
            .get(1, TimeUnit.SECONDS);

    int firstInput = 0;
    while (deltas.get(firstInput) instanceof ModelDelta.Text) {
      firstInput++;
    }
    assertEquals("Looking both up.", String.join("", texts(deltas.subList(0, firstInput))));
    List<ModelDelta> inputs = deltas.subList(firstInput, deltas.size());
    assertTrue(inputs.stream().allMatch(d -> d instanceof ModelDelta.ToolInput), "" + inputs);
    for (ToolUse use : reply.toolUses()) {
      List<ModelDelta.ToolInput> pieces =
          inputs.stream()
              .map(ModelDelta.ToolInput.class::cast)
              .filter(d -> d.toolUseId().equals(use.id()))
              .toList();
      assertTrue(pieces.size() > 1, "a few pieces, not one: " + pieces);
      assertTrue(pieces.stream().allMatch(d -> d.tool().equals(use.name())));
      String joined = String.join("", pieces.stream().map(ModelDelta.ToolInput::json).toList());
      assertEquals(use.input(), Json.MAPPER.readTree(joined));
    }
    // the first use's pieces all come before the second's
    ModelDelta.ToolInput last = (ModelDelta.ToolInput) inputs.get(inputs.size() - 1);
    ModelDelta.ToolInput first = (ModelDelta.ToolInput) inputs.get(0);
    assertEquals(reply.toolUses().get(0).id(), first.toolUseId());
    assertEquals(reply.toolUses().get(1).id(), last.toolUseId());
  }

  @Test
  void withoutLatencyEveryDeltaIsPassedOnBeforeConverseReturns() {
    // the benchmark's mode: no timer thread, no wait; the stage is complete when it is returned
    List<ModelDelta> deltas = new ArrayList<>();
    CompletableFuture<ModelReply> reply =
        model
            .converse(
                request(
                    false,
                    0L,
                    List.of(ChatMessage.user("hi")),
                    new ScriptStep("two words", List.of(call("t", "{\"q\":\"z\"}")))),
                deltas::add)
            .toCompletableFuture();
    assertTrue(reply.isDone());
    assertEquals(List.of("two ", "words"), texts(deltas));
    assertTrue(deltas.get(deltas.size() - 1) instanceof ModelDelta.ToolInput);
  }

  @Test
  void withLatencyTheTextArrivesSpreadOutBeforeTheReply() throws Exception {
    long latencyMs = 600;
    long start = System.nanoTime();
    List<Long> arrivals = new CopyOnWriteArrayList<>();
    List<ModelDelta> deltas = new CopyOnWriteArrayList<>();
    CompletableFuture<ModelReply> call =
        model
            .converse(
                request(
                    false, latencyMs, List.of(ChatMessage.user("hi")), text("one two three four")),
                d -> {
                  arrivals.add(System.nanoTime());
                  deltas.add(d);
                })
            .toCompletableFuture();
    ModelReply reply = call.get(5, TimeUnit.SECONDS);
    long repliedMs = (System.nanoTime() - start) / 1_000_000;

    assertEquals("one two three four", reply.text());
    assertEquals(reply.text(), String.join("", texts(deltas)));
    assertEquals(4, reply.usage().outputTokens(), "token counts do not change with streaming");
    assertTrue(repliedMs >= latencyMs, "the reply comes at the latency: " + repliedMs);
    long firstMs = (arrivals.get(0) - start) / 1_000_000;
    long lastMs = (arrivals.get(arrivals.size() - 1) - start) / 1_000_000;
    assertTrue(firstMs < latencyMs / 2, "the first word comes early: " + firstMs + " ms");
    assertTrue(lastMs >= latencyMs / 2, "the words are spread out: last at " + lastMs + " ms");
  }

  @Test
  void cancellingACallWithLatencyStopsItsPendingDeltas() throws Exception {
    List<ModelDelta> deltas = new CopyOnWriteArrayList<>();
    CompletableFuture<ModelReply> call =
        model
            .converse(
                request(
                    false,
                    600L,
                    List.of(ChatMessage.user("hi")),
                    text("one two three four five six")),
                deltas::add)
            .toCompletableFuture();
    assertFalse(deltas.isEmpty(), "the first word comes at once");
    assertTrue(call.cancel(true));
    int atCancel = deltas.size();

    // past the whole latency: had the pieces gone on, all six words would be here by now
    Thread.sleep(900);
    assertTrue(call.isCancelled());
    assertTrue(
        deltas.size() <= atCancel + 1,
        "at most the piece being handed over at the cancel: " + texts(deltas));
    assertTrue(deltas.size() < 6, "" + texts(deltas));
  }

  @Test
  void answersAfterTheConfiguredLatency() throws Exception {
    long start = System.nanoTime();
    CompletableFuture<ModelReply> reply =
        model
            .converse(request(false, 300L, List.of(ChatMessage.user("hi")), text("slow")), d -> {})
            .toCompletableFuture();
    assertFalse(reply.isDone());
    assertEquals("slow", reply.get(2, TimeUnit.SECONDS).text());
    assertTrue((System.nanoTime() - start) / 1_000_000 >= 300);
  }

  @Test
  void countsWordsAsTokens() {
    ModelReply reply =
        ScriptedModelClient.replyFor(
            request(
                false, null, List.of(ChatMessage.user("four words in here")), text("two words")));
    assertEquals(4, reply.usage().inputTokens());
    assertEquals(2, reply.usage().outputTokens());
  }
}

package io.statehouse.runtime.model;

import static io.statehouse.runtime.testing.Specs.call;
import static io.statehouse.runtime.testing.Specs.calls;
import static io.statehouse.runtime.testing.Specs.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.catalog.ScriptStep;
import io.statehouse.runtime.model.scripted.ScriptedModelClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

  @Test
  void streamsTheTextWordByWordAsDeltas() throws Exception {
    List<String> deltas = new ArrayList<>();
    ModelReply reply =
        model
            .converse(
                request(false, null, List.of(ChatMessage.user("hi")), text("three little words")),
                deltas::add)
            .toCompletableFuture()
            .get(1, TimeUnit.SECONDS);
    assertEquals(List.of("three ", "little ", "words"), deltas);
    assertEquals(reply.text(), String.join("", deltas));
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

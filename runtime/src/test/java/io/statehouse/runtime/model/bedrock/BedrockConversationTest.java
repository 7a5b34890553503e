package io.statehouse.runtime.model.bedrock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.ModelRequest;
import io.statehouse.runtime.model.ToolDescriptor;
import io.statehouse.runtime.model.ToolResultBlock;
import io.statehouse.runtime.model.ToolUse;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultStatus;

class BedrockConversationTest {
  private static final ModelSpec MODEL =
      new ModelSpec("bedrock", "anthropic.claude-3-haiku-20240307-v1:0", null, false, List.of());
  private static final ToolUse LOOKUP = new ToolUse("tu_1", "lookup", Json.object().put("id", 7));

  private static ModelRequest request(ChatMessage... messages) {
    return new ModelRequest(
        MODEL,
        "Be brief.",
        List.of(messages),
        List.of(
            new ToolDescriptor("lookup", "Finds an order", Json.object().put("type", "object"))));
  }

  private static List<ConversationRole> roles(List<Message> ms) {
    return ms.stream().map(Message::role).toList();
  }

  @Test
  void aToolRoundTripBecomesUserAssistantUserWithAToolResult() {
    List<Message> ms =
        BedrockConversation.messages(
            request(
                ChatMessage.user("where is order 7?"),
                ChatMessage.assistant("Looking.", List.of(LOOKUP)),
                ChatMessage.toolResults(
                    List.of(new ToolResultBlock("tu_1", "{\"at\":\"Lyon\"}", false)))),
            false);
    assertEquals(
        List.of(ConversationRole.USER, ConversationRole.ASSISTANT, ConversationRole.USER),
        roles(ms));
    ContentBlock use = ms.get(1).content().get(1);
    assertEquals("lookup", use.toolUse().name());
    assertEquals(7, Documents.toJson(use.toolUse().input()).get("id").intValue());
    ContentBlock result = ms.get(2).content().get(0);
    assertEquals("tu_1", result.toolResult().toolUseId());
    assertEquals(ToolResultStatus.SUCCESS, result.toolResult().status());
  }

  @Test
  void aFailedTurnsResultsAndTheNextUserTextBecomeOneUserMessageResultsFirst() {
    List<Message> ms =
        BedrockConversation.messages(
            request(
                ChatMessage.user("refund 7"),
                ChatMessage.assistant(null, List.of(LOOKUP)),
                ChatMessage.toolResults(List.of(new ToolResultBlock("tu_1", "denied", true))),
                ChatMessage.user("then just tell me the status")),
            false);
    assertEquals(
        List.of(ConversationRole.USER, ConversationRole.ASSISTANT, ConversationRole.USER),
        roles(ms));
    List<ContentBlock> last = ms.get(2).content();
    assertEquals(ToolResultStatus.ERROR, last.get(0).toolResult().status());
    assertEquals("then just tell me the status", last.get(1).text());
  }

  @Test
  void aToolUseLeftWithoutResultIsAnsweredWithAnError() {
    List<Message> ms =
        BedrockConversation.messages(
            request(
                ChatMessage.user("refund 7"),
                ChatMessage.assistant(null, List.of(LOOKUP)),
                ChatMessage.user("never mind")),
            false);
    assertEquals(3, ms.size());
    ContentBlock answer = ms.get(2).content().get(0);
    assertEquals("tu_1", answer.toolResult().toolUseId());
    assertEquals(ToolResultStatus.ERROR, answer.toolResult().status());
    assertEquals(BedrockConversation.NO_RESULT, answer.toolResult().content().get(0).text());
    assertEquals("never mind", ms.get(2).content().get(1).text());
  }

  @Test
  void emptyTextIsLeftOutAndEmptyMessagesDropped() {
    List<Message> ms =
        BedrockConversation.messages(
            request(
                ChatMessage.user("hi"),
                ChatMessage.assistant("", List.of()),
                ChatMessage.user("hello?")),
            false);
    assertEquals(1, ms.size(), "two user texts in a row make one message");
    assertEquals(2, ms.get(0).content().size());
  }

  @Test
  void promptCacheMarksSystemToolsTheEndOfThePreviousCallsRequestAndTheEndOfThisOne() {
    ModelRequest r =
        request(
            ChatMessage.user("first"),
            ChatMessage.assistant("one", List.of()),
            ChatMessage.user("second"),
            ChatMessage.assistant(null, List.of(LOOKUP)),
            ChatMessage.toolResults(List.of(new ToolResultBlock("tu_1", "ok", false))));
    List<Message> ms = BedrockConversation.messages(r, true);
    // the previous call sent everything up to "second" and cached it; this call ends with the
    // tool result, cached for the next call
    assertNotNull(last(ms.get(2).content()).cachePoint());
    assertNotNull(last(ms.get(4).content()).cachePoint());
    long points =
        ms.stream().flatMap(m -> m.content().stream()).filter(c -> c.cachePoint() != null).count();
    assertEquals(2, points);
    assertNotNull(BedrockConversation.system(r, true).get(1).cachePoint());
    var tools = BedrockConversation.tools(r, true).orElseThrow().tools();
    assertNotNull(tools.get(tools.size() - 1).cachePoint());
    assertTrue(
        BedrockConversation.messages(r, false).stream()
            .flatMap(m -> m.content().stream())
            .noneMatch(c -> c.cachePoint() != null));
  }

  @Test
  void theFirstCallOfASessionCachesOnlyItsOwnEnd() {
    List<Message> ms = BedrockConversation.messages(request(ChatMessage.user("first")), true);

    assertEquals(1, ms.size());
    assertNotNull(last(ms.get(0).content()).cachePoint());
  }

  private static ContentBlock last(List<ContentBlock> blocks) {
    return blocks.get(blocks.size() - 1);
  }
}

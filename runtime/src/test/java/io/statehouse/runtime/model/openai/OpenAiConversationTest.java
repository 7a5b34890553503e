package io.statehouse.runtime.model.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.ModelRequest;
import io.statehouse.runtime.model.ToolResultBlock;
import io.statehouse.runtime.model.ToolUse;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The session's history as chat-completions messages the API accepts. */
class OpenAiConversationTest {
  private static final OpenAiOptions PLAIN =
      new OpenAiOptions(
          "gpt-test",
          URI.create("https://api.openai.com/v1"),
          Optional.empty(),
          null,
          null,
          null,
          List.of(),
          false);

  private static ModelRequest request(String instructions, List<ChatMessage> messages) {
    return new ModelRequest(
        new ModelSpec("openai", "gpt-test", null, false, List.of()),
        instructions,
        messages,
        List.of(),
        "acme");
  }

  private static ToolUse use(String id) {
    return new ToolUse(id, "lookup", Json.object().put("id", 1));
  }

  @Test
  void aToolCallLeftWithoutResultGetsAnErrorResultBeforeTheNextUserMessage() {
    // the turn failed after asking for two tools, only one answered; then the user wrote again
    ArrayNode m =
        OpenAiConversation.messages(
            request(
                null,
                List.of(
                    ChatMessage.user("check 1 and 2"),
                    ChatMessage.assistant(null, List.of(use("c1"), use("c2"))),
                    ChatMessage.toolResults(List.of(new ToolResultBlock("c1", "fine", false))),
                    ChatMessage.user("and now?"))));
    assertEquals(5, m.size(), m.toPrettyString());
    assertEquals("assistant", m.get(1).get("role").textValue());
    assertTrue(m.get(1).get("content").isNull(), "tool calls alone: content null");
    assertEquals("c1", m.get(2).get("tool_call_id").textValue());
    assertEquals("fine", m.get(2).get("content").textValue());
    assertEquals("c2", m.get(3).get("tool_call_id").textValue());
    assertEquals("ERROR: " + OpenAiConversation.NO_RESULT, m.get(3).get("content").textValue());
    assertEquals("user", m.get(4).get("role").textValue());
  }

  @Test
  void aConversationEndingInToolCallsIsClosedWithErrorResults() {
    ArrayNode m =
        OpenAiConversation.messages(
            request(
                null,
                List.of(
                    ChatMessage.user("go"), ChatMessage.assistant("On it.", List.of(use("c1"))))));
    JsonNode last = m.get(m.size() - 1);
    assertEquals("tool", last.get("role").textValue());
    assertEquals("c1", last.get("tool_call_id").textValue());
  }

  @Test
  void aResultAnsweringNoPendingCallIsLeftOut() {
    // the API refuses a tool message that does not answer the assistant message before it
    ArrayNode m =
        OpenAiConversation.messages(
            request(
                null,
                List.of(
                    ChatMessage.user("hi"),
                    ChatMessage.toolResults(List.of(new ToolResultBlock("ghost", "x", false))))));
    assertEquals(1, m.size(), m.toPrettyString());
  }

  @Test
  void blankInstructionsAndEmptyMessagesAreLeftOut() {
    ArrayNode m =
        OpenAiConversation.messages(
            request(
                "  ",
                List.of(
                    ChatMessage.user("hi"),
                    ChatMessage.assistant("", List.of()),
                    ChatMessage.user("hello?"))));
    assertEquals(2, m.size(), m.toPrettyString());
    assertEquals("user", m.get(0).get("role").textValue());
  }

  @Test
  void anEmptyToolResultIsSaidToBeEmpty() {
    ArrayNode m =
        OpenAiConversation.messages(
            request(
                null,
                List.of(
                    ChatMessage.assistant(null, List.of(use("c1"))),
                    ChatMessage.toolResults(List.of(new ToolResultBlock("c1", "", false))))));
    assertEquals("(empty)", m.get(1).get("content").textValue());
  }

  @Test
  void withoutToolsOrSettingsTheBodyHasOnlyModelAndMessages() {
    JsonNode body =
        OpenAiConversation.body(request("Be brief.", List.of(ChatMessage.user("hi"))), PLAIN);
    assertEquals(List.of("model", "messages"), fieldNames(body));
    assertFalse(body.has("tools"));
  }

  @Test
  void aToolWithoutSchemaGetsAnEmptyObjectSchema() {
    ModelRequest r =
        new ModelRequest(
            new ModelSpec("openai", "gpt-test", null, false, List.of()),
            null,
            List.of(ChatMessage.user("hi")),
            List.of(new io.statehouse.runtime.model.ToolDescriptor("ping", null, null)),
            "acme");
    JsonNode tool = OpenAiConversation.tools(r).get(0);
    assertEquals("object", tool.at("/function/parameters/type").textValue());
    assertFalse(tool.at("/function").has("description"));
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> names = new java.util.ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }
}

package io.statehouse.runtime.model.scripted;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The scripted model counts a tool use's input as the words of its compact JSON, without rendering
 * it on every call: the count must be the rendered text's, whatever the strings hold.
 */
class ScriptedTokenCountTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static long renderedWords(JsonNode node) {
    String text = node.toString();
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

  @Test
  void aToolInputCountsAsManyWordsAsItsRenderedJson() throws Exception {
    ObjectNode tricky = JsonNodeFactory.instance.objectNode();
    tricky.put("plain", "x");
    tricky.put("two words", "and  three   words ");
    tricky.put("lead", "   leading and trailing   ");
    tricky.put("controls", "tab\there new\nline\r\nend \t mixed \n ");
    tricky.put("unicode", "em\u2003space\u00a0nbsp\u2028line\u3000ideo");
    tricky.put("separators", "\u001c\u001d \u001e");
    tricky.put("quotes", "say \"hi\" \\ back");
    tricky.put("number", 12.5);
    tricky.putNull("nothing");
    tricky.put("flag", true);
    tricky.putArray("list").add("a b").add(3).add(" ").addObject().put("k k", "v v");
    List<JsonNode> inputs =
        List.of(
            MAPPER.readTree("{}"),
            MAPPER.readTree("{\"q\":\"x\"}"),
            MAPPER.readTree("[]"),
            MAPPER.readTree("\"just text\""),
            MAPPER.readTree("42"),
            tricky,
            JsonNodeFactory.instance.textNode(" "),
            JsonNodeFactory.instance.binaryNode(new byte[] {1, 2, 3, 32, 32}));
    for (JsonNode input : inputs) {
      assertEquals(renderedWords(input), ScriptedModelClient.jsonWords(input), input.toString());
    }
    assertEquals(0, ScriptedModelClient.jsonWords(MissingNode.getInstance()));
  }
}

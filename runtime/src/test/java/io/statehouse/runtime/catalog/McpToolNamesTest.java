package io.statehouse.runtime.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Names the model sees for MCP tools: usable, deterministic, collision-free. */
class McpToolNamesTest {

  private static void assertUsable(String name) {
    assertTrue(McpToolNames.MODEL_NAME.matcher(name).matches(), name);
    assertTrue(name.length() <= 64, name);
  }

  @Test
  void aToolWhoseNameIsAlreadyUsableKeepsItBehindTheServerName() {
    assertEquals("weather__get_forecast", McpToolNames.modelName("weather", "get_forecast"));
    assertEquals("fs__read-file", McpToolNames.modelName("fs", "read-file"));
  }

  @Test
  void dotsSpacesAndPunctuationAreReplacedAndTheOriginalIsHashedIn() {
    String dotted = McpToolNames.modelName("fs", "fs.read");
    String spaced = McpToolNames.modelName("weather", "get weather!");
    assertUsable(dotted);
    assertUsable(spaced);
    assertTrue(dotted.matches("fs__fs_read_[0-9a-f]{8}"), dotted);
    assertTrue(spaced.matches("weather__get_weather_[0-9a-f]{8}"), spaced);
  }

  @Test
  void unicodeNamesBecomeUsableNames() {
    String name = McpToolNames.modelName("meteo", "天気予報");
    assertUsable(name);
    assertTrue(name.startsWith("meteo__"), name);
    assertNotEquals(name, McpToolNames.modelName("meteo", "天気"));
  }

  @Test
  void aTwoHundredCharacterNameIsShortenedToSixtyFourWithItsHash() {
    String longName = "a".repeat(200);
    String name = McpToolNames.modelName("server", longName);
    assertUsable(name);
    assertEquals(64, name.length());
    assertNotEquals(name, McpToolNames.modelName("server", "a".repeat(199)));
  }

  @Test
  void twoNamesThatSanitiseAlikeGetDifferentModelNames() {
    String a = McpToolNames.modelName("s", "a.b");
    String b = McpToolNames.modelName("s", "a b");
    String c = McpToolNames.modelName("s", "a/b");
    assertEquals(3, Set.of(a, b, c).size(), List.of(a, b, c).toString());
  }

  @Test
  void aPlainNameThatLooksHashedIsHashedTooSoItCannotMeetAHashedOne() {
    String hashed = McpToolNames.modelName("s", "a.b");
    String suffix = hashed.substring("s__".length());
    // a tool literally named like the hashed form of another gets a name of its own
    assertNotEquals(hashed, McpToolNames.modelName("s", suffix));
  }

  @Test
  void theSameToolAlwaysGetsTheSameName() {
    assertEquals(
        McpToolNames.modelName("weather", "get weather!"),
        McpToolNames.modelName("weather", "get weather!"));
  }

  @Test
  void theServerOfAModelNameIsThePartBeforeItsFirstDoubleUnderscore() {
    assertEquals(Optional.of("weather"), McpToolNames.serverOf("weather__get__forecast"));
    assertEquals(Optional.of("my_server"), McpToolNames.serverOf("my_server___x"));
    assertEquals(Optional.empty(), McpToolNames.serverOf("search"));
  }

  @Test
  void serverNamesCannotHoldTheSeparatorOrEndWithUnderscore() {
    assertTrue(McpToolNames.validServerName("my_server-2"));
    assertFalse(McpToolNames.validServerName("my__server"));
    assertFalse(McpToolNames.validServerName("server_"));
    assertFalse(McpToolNames.validServerName("2server"));
    assertFalse(McpToolNames.validServerName("s".repeat(33)));
    assertThrows(IllegalArgumentException.class, () -> McpToolNames.modelName("a__b", "t"));
  }

  @Test
  void manyAwkwardNamesOfOneServerAllMapToDistinctUsableNames() {
    Set<String> seen = new HashSet<>();
    List<String> tools = new java.util.ArrayList<>();
    for (int i = 0; i < 300; i++) {
      tools.add("tool." + i);
      tools.add("tool " + i);
      tools.add("tool_" + i);
      tools.add("x".repeat(100) + i);
    }
    for (String t : tools) {
      String name = McpToolNames.modelName("srv", t);
      assertUsable(name);
      assertTrue(seen.add(name), "collision on " + t);
    }
  }
}

package io.statehouse.runtime.audit;

import static io.statehouse.runtime.testing.Specs.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.runtime.Principal;
import io.statehouse.runtime.catalog.BuiltinTarget;
import io.statehouse.runtime.catalog.HeaderValue;
import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.catalog.McpConnection;
import io.statehouse.runtime.catalog.McpTarget;
import io.statehouse.runtime.catalog.RetryPolicy;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.session.EventMeta;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.testing.Specs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tool targets (MCP and built-in tools beside HTTP) leave the tool specs sessions pinned before
 * them byte for byte as stored, and those read back as the HTTP tools they were.
 */
class ToolTargetsCompatibilityTest {
  private static final EventMeta META =
      new EventMeta(Instant.parse("2026-11-23T10:00:00Z"), "user:alice", AuditChain.GENESIS);

  private static SessionCreated created(ToolSpec tool) {
    return new SessionCreated(
        META,
        "s1",
        new Principal("acme", "alice", List.of("developer")),
        Specs.agent(List.of(tool.name()), 3, false),
        List.of(tool),
        Map.of());
  }

  /** A tool spec as sessions stored it before targets had kinds. */
  private static final String OLD_TOOL =
      "{\"description\":\"d\",\"http\":{\"headers\":{\"X-Key\":{\"secret\":\"K\"}},"
          + "\"method\":\"POST\",\"url\":\"https://api.example.com/x\"},\"idempotent\":true,"
          + "\"inputSchema\":{\"type\":\"object\"},\"name\":\"search\",\"retry\":{\"backoff\":"
          + "\"PT0.1S\",\"maxAttempts\":2,\"maxBackoff\":\"PT3.2S\"},\"timeout\":\"PT5S\","
          + "\"version\":3}";

  @Test
  void aToolSpecStoredBeforeTargetKindsReadsBackAsAnHttpToolWithTheSameBytes() throws Exception {
    ToolSpec read = Json.MAPPER.readValue(OLD_TOOL, ToolSpec.class);

    assertInstanceOf(HttpTarget.class, read.target());
    assertNull(read.mcp());
    assertNull(read.builtin());
    assertEquals(new HeaderValue.SecretRef("K"), read.http().headers().get("X-Key"));
    String stored = new String(AuditChain.storedJson(read), StandardCharsets.UTF_8);
    assertEquals(OLD_TOOL, stored);
  }

  @Test
  void aSessionPinningAnHttpToolIsStoredAsBeforeTargetKindsExisted() {
    String stored =
        new String(
            AuditChain.storedJson(created(Specs.tool("search", true))), StandardCharsets.UTF_8);
    assertFalse(stored.contains("\"mcp\""), stored);
    assertFalse(stored.contains("\"builtin\""), stored);
    assertFalse(stored.contains("\"target\""), stored);
  }

  @Test
  void anMcpToolPinnedInASessionReadsBackWhole() throws Exception {
    ToolSpec mcp =
        ToolSpec.of(
            "weather__get_weather_1a2b3c4d",
            2,
            "forecast",
            json("{\"type\":\"object\"}"),
            false,
            Duration.ofSeconds(20),
            new RetryPolicy(1, Duration.ofMillis(100), Duration.ofSeconds(1)),
            new McpTarget(
                "weather",
                2,
                "get weather!",
                McpConnection.stdio(
                    "weather",
                    List.of("--fast"),
                    Map.of("API_KEY", new HeaderValue.SecretRef("WEATHER_KEY")))));
    SessionCreated event = created(mcp);
    byte[] stored = AuditChain.storedJson(event);

    SessionCreated read = Json.MAPPER.readValue(stored, SessionCreated.class);
    assertEquals(event.tools(), read.tools());
    assertInstanceOf(McpTarget.class, read.tools().get(0).target());
    assertTrue(new String(stored, StandardCharsets.UTF_8).contains("{\"secret\":\"WEATHER_KEY\"}"));
  }

  @Test
  void aBuiltinToolReadsBackAndAToolHasExactlyOneTarget() throws Exception {
    ToolSpec builtin =
        ToolSpec.of(
            "clock",
            1,
            "",
            json("{\"type\":\"object\"}"),
            true,
            Duration.ofSeconds(1),
            new RetryPolicy(1, Duration.ZERO, Duration.ZERO),
            new BuiltinTarget("demo", "now"));
    assertEquals(
        builtin, Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(builtin), ToolSpec.class));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new ToolSpec(
                "both",
                1,
                "",
                json("{}"),
                true,
                Duration.ofSeconds(1),
                new RetryPolicy(1, Duration.ZERO, Duration.ZERO),
                new HttpTarget("POST", "https://x", Map.of()),
                null,
                new BuiltinTarget("demo", "now")));
  }
}

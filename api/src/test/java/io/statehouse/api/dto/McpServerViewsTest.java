package io.statehouse.api.dto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.runtime.Principal;
import io.statehouse.runtime.audit.AuditChain;
import io.statehouse.runtime.catalog.HeaderValue;
import io.statehouse.runtime.catalog.McpConnection;
import io.statehouse.runtime.catalog.McpServerSpec;
import io.statehouse.runtime.catalog.McpTool;
import io.statehouse.runtime.catalog.RetryPolicy;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.session.EventMeta;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.testing.Specs;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An MCP server's literal env and header values never show in a view; secret names do. */
class McpServerViewsTest {
  private static McpServerSpec server(McpConnection connection) {
    McpServerSpec spec =
        new McpServerSpec(
            "weather",
            1,
            "",
            connection,
            Duration.ofSeconds(20),
            new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1)),
            Map.of(),
            List.of(
                new McpTool(
                    "get",
                    "weather__get",
                    "",
                    Specs.json("{\"type\":\"object\"}"),
                    null,
                    true,
                    null)),
            false);
    return spec;
  }

  @Test
  void literalEnvValuesAreMaskedAndSecretsShowByName() throws Exception {
    McpConnection stdio =
        McpConnection.stdio(
            "weather",
            List.of(),
            Map.of(
                "UNITS", new HeaderValue.Literal("metric-literal"),
                "API_KEY", new HeaderValue.SecretRef("WEATHER_KEY")));
    String json = Json.MAPPER.writeValueAsString(Views.mcpServer(server(stdio)));
    assertFalse(json.contains("metric-literal"), json);
    assertTrue(json.contains("\"UNITS\":\"***\""), json);
    assertTrue(json.contains("\"API_KEY\":{\"secret\":\"WEATHER_KEY\"}"), json);
  }

  @Test
  void literalHeaderValuesAreMasked() throws Exception {
    McpConnection http =
        McpConnection.http(
            "https://mcp.example.com/mcp",
            Map.of("X-Tenant-Region", new HeaderValue.Literal("eu-hidden")));
    String json = Json.MAPPER.writeValueAsString(Views.mcpServer(server(http)));
    assertFalse(json.contains("eu-hidden"), json);
  }

  @Test
  void aSessionsPinnedMcpToolShowsNoEnvValueInItsEvents() throws Exception {
    McpConnection stdio =
        McpConnection.stdio(
            "weather", List.of(), Map.of("UNITS", new HeaderValue.Literal("metric-literal")));
    McpServerSpec spec = server(stdio);
    SessionEvent created =
        new SessionEvent.SessionCreated(
            new EventMeta(Instant.parse("2026-11-23T10:00:00Z"), "user:alice", AuditChain.GENESIS),
            "s1",
            new Principal("acme", "alice", List.of("developer")),
            Specs.agent(List.of("weather__get"), 3, false),
            List.of(spec.toolSpec(spec.tools().get(0))),
            Map.of());
    String json = Json.MAPPER.writeValueAsString(Views.event(1, created));
    assertFalse(json.contains("metric-literal"), json);
    assertTrue(json.contains("\"UNITS\":\"***\""), json);
    assertEquals(1, Views.event(1, created).seq());
  }
}

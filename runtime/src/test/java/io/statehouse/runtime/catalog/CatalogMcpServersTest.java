package io.statehouse.runtime.catalog;

import static io.statehouse.runtime.testing.Specs.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.testing.Specs;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MCP servers in a tenant's catalog: versions, the tools agents may name, and what stays pinned.
 */
class CatalogMcpServersTest {
  private static final ActorTestKit testKit =
      ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  private EventSourcedBehaviorTestKit<Catalog.Command, CatalogEvent, CatalogState> catalog;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void fresh() {
    catalog =
        EventSourcedBehaviorTestKit.create(
            testKit.system(), Catalog.create("acme", Clock.systemUTC()));
  }

  private static McpTool tool(String name, boolean idempotent) {
    return new McpTool(
        name,
        McpToolNames.modelName("weather", name),
        "d",
        json("{\"type\":\"object\"}"),
        null,
        idempotent,
        null);
  }

  private static McpServerSpec weather(String url, McpTool... tools) {
    return new McpServerSpec(
        "weather",
        0,
        "",
        McpConnection.http(url, Map.of("Authorization", new HeaderValue.SecretRef("TOKEN"))),
        Duration.ofSeconds(20),
        new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(20)),
        Map.of("forecast", new McpServerSpec.ToolOptions(null, Duration.ofSeconds(5))),
        List.of(tools),
        false);
  }

  private StatusReply<Catalog.McpServerRegistration> put(McpServerSpec spec) {
    return catalog
        .<StatusReply<Catalog.McpServerRegistration>>runCommand(
            r -> new Catalog.PutMcpServer(spec, "user:alice", r))
        .reply();
  }

  private StatusReply<Catalog.AgentRegistration> putAgent(List<String> tools) {
    return catalog
        .<StatusReply<Catalog.AgentRegistration>>runCommand(
            r -> new Catalog.PutAgent(Specs.agent(tools, 3, false), "user:alice", r))
        .reply();
  }

  private static String code(StatusReply<?> reply) {
    return ((Rejection) reply.getError()).code();
  }

  @Test
  void versionsGrowOnlyWhenTheDefinitionOrItsToolsChange() {
    assertEquals(
        1, put(weather("https://a/mcp", tool("forecast", true))).getValue().spec().version());
    assertFalse(put(weather("https://a/mcp", tool("forecast", true))).getValue().changed());
    assertEquals(
        2,
        put(weather("https://a/mcp", tool("forecast", true), tool("alerts", false)))
            .getValue()
            .spec()
            .version());
  }

  @Test
  void anAgentNamesAnMcpToolByItsModelNameAndTheSessionPinsItsWholeSpec() {
    put(weather("https://a/mcp", tool("forecast", true)));
    assertTrue(putAgent(List.of("weather__forecast")).isSuccess());

    ToolSpec pinned =
        catalog
            .<StatusReply<Catalog.ResolvedAgent>>runCommand(r -> new Catalog.Resolve("helper", r))
            .reply()
            .getValue()
            .tools()
            .get(0);
    assertEquals("weather__forecast", pinned.name());
    assertTrue(pinned.idempotent());
    assertEquals(Duration.ofSeconds(5), pinned.timeout(), "the tool's own option");
    assertEquals(2, pinned.retry().maxAttempts());
    assertEquals(
        new McpTarget("weather", 1, "forecast", weather("https://a/mcp").connection()),
        pinned.mcp());
  }

  @Test
  void anAgentCannotNameAToolTheServerDoesNotListOrThatIsUnusable() {
    McpTool broken =
        new McpTool("broken", "weather__broken", "", null, null, false, "its input schema is bad");
    put(weather("https://a/mcp", tool("forecast", true), broken));

    var missing = putAgent(List.of("weather__nope"));
    assertEquals("unknown_tool", code(missing));
    var unusable = putAgent(List.of("weather__broken"));
    assertEquals("unknown_tool", code(unusable));
    assertTrue(unusable.getError().getMessage().contains("its input schema is bad"));
  }

  @Test
  void aServerWhoseToolsAnAgentNamesCannotBeRemovedOrLoseThoseTools() {
    put(weather("https://a/mcp", tool("forecast", true)));
    putAgent(List.of("weather__forecast"));

    var removal =
        catalog
            .<StatusReply<Integer>>runCommand(
                r -> new Catalog.RemoveMcpServer("weather", "user:alice", r))
            .reply();
    assertEquals("mcp_server_in_use", code(removal));
    var withoutTool = put(weather("https://a/mcp", tool("alerts", true)));
    assertEquals("mcp_tool_in_use", code(withoutTool));
    assertTrue(withoutTool.getError().getMessage().contains("helper: weather__forecast"));
    // a change that keeps the tool is fine
    assertTrue(put(weather("https://b/mcp", tool("forecast", true))).isSuccess());
  }

  @Test
  void aServerRegisteredAgainAfterItsRemovalNeverReusesAVersion() {
    put(weather("https://a/mcp", tool("forecast", true)));
    put(weather("https://b/mcp", tool("forecast", true)));
    var removed =
        catalog
            .<StatusReply<Integer>>runCommand(
                r -> new Catalog.RemoveMcpServer("weather", "user:alice", r))
            .reply();
    assertEquals(2, removed.getValue());
    assertTrue(catalog.getState().mcpServer("weather").isEmpty());

    assertEquals(
        3, put(weather("https://c/mcp", tool("forecast", true))).getValue().spec().version());
  }

  @Test
  void toolNamesUnderAServersPrefixBelongToThatServer() {
    put(weather("https://a/mcp", tool("forecast", true)));
    var tool =
        catalog
            .<StatusReply<Catalog.ToolRegistration>>runCommand(
                r -> new Catalog.PutTool(Specs.tool("weather__forecast", true), "user:alice", r))
            .reply();
    assertEquals("name_taken", code(tool));

    catalog
        .<StatusReply<Catalog.ToolRegistration>>runCommand(
            r -> new Catalog.PutTool(Specs.tool("maps__route", true), "user:alice", r))
        .reply();
    McpServerSpec maps =
        new McpServerSpec(
            "maps",
            0,
            "",
            McpConnection.http("https://m/mcp", Map.of()),
            Duration.ofSeconds(5),
            new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1)),
            Map.of(),
            List.of(),
            false);
    assertEquals("name_taken", code(put(maps)));
  }
}

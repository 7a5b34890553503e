package io.statehouse.api.dto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.typesafe.config.ConfigFactory;
import io.statehouse.api.dto.Requests.AgentDefinition;
import io.statehouse.api.dto.Requests.HttpDefinition;
import io.statehouse.api.dto.Requests.LimitsDefinition;
import io.statehouse.api.dto.Requests.ModelDefinition;
import io.statehouse.api.dto.Requests.ScriptStepDefinition;
import io.statehouse.api.dto.Requests.ToolDefinition;
import io.statehouse.api.http.ApiError;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.testing.Specs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DefinitionsTest {
  private final Definitions definitions = new Definitions(ConfigFactory.load(), Set.of("scripted"));
  private static final JsonNode OBJECT_SCHEMA = Specs.json("{\"type\":\"object\"}");

  private static ToolDefinition tool(JsonNode schema, String timeout, HttpDefinition http) {
    return new ToolDefinition(null, "d", schema, null, timeout, null, http, null);
  }

  @Test
  void aMinimalToolGetsSafeDefaults() {
    ToolSpec spec =
        definitions.tool(
            "acme",
            "lookup",
            tool(OBJECT_SCHEMA, null, new HttpDefinition(null, "https://x.test/a", null)));
    assertFalse(spec.idempotent(), "a tool is not assumed idempotent");
    assertEquals("POST", spec.http().method());
    assertEquals(Duration.ofSeconds(30), spec.timeout());
    assertEquals(3, spec.retry().maxAttempts());
  }

  @Test
  void aToolCannotTakeTheNameOfAWorkspaceToolTeamMembersGet() {
    ApiError e =
        assertThrows(
            ApiError.class,
            () ->
                definitions.tool(
                    "acme",
                    "workspace_put_artifact",
                    tool(OBJECT_SCHEMA, null, new HttpDefinition(null, "https://x.test/a", null))));
    assertEquals(400, e.status().intValue());
    assertTrue(e.getMessage().contains("reserved"), e.getMessage());
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    ApiError e =
        assertThrows(
            ApiError.class,
            () ->
                definitions.tool(
                    "acme",
                    "t",
                    new ToolDefinition(
                        "other",
                        null,
                        Specs.json("{\"type\":\"string\"}"),
                        null,
                        "forever",
                        new Requests.RetryDefinition(11, null, null),
                        new HttpDefinition(
                            "FETCH",
                            "ftp://x",
                            Map.of("Idempotency-Key", TextNode.valueOf("mine"))),
                        null)));
    String m = e.getMessage();
    for (String expected :
        List.of(
            "differs",
            "object",
            "timeout",
            "maxAttempts",
            "http.method",
            "http.url",
            "Idempotency-Key")) {
      assertTrue(m.contains(expected), "mentions " + expected + ": " + m);
    }
  }

  @Test
  void aUrlCarryingCredentialsIsRefusedWithoutEchoingThem() {
    for (String url :
        List.of(
            "https://x.test/a?api_key=sk-live-123",
            "https://x.test/a?q=1&Access-Token=sk-live-123",
            "https://x.test/a?%73ignature=sk-live-123",
            "https://bob:sk-live-123@x.test/a")) {
      ApiError e =
          assertThrows(
              ApiError.class,
              () ->
                  definitions.tool(
                      "acme", "t", tool(OBJECT_SCHEMA, null, new HttpDefinition(null, url, null))),
              url);
      assertTrue(e.getMessage().contains("secret reference"), e.getMessage());
      assertFalse(
          e.getMessage().contains("sk-live-123"), "the credential echoed: " + e.getMessage());
    }
    // a query that names no credential stays allowed
    assertEquals(
        "https://x.test/a?q=1&lang=en",
        definitions
            .tool(
                "acme",
                "t",
                tool(
                    OBJECT_SCHEMA,
                    null,
                    new HttpDefinition(null, "https://x.test/a?q=1&lang=en", null)))
            .http()
            .url());
  }

  @Test
  void aToolDeclaresTheStatusesThatProveItDidNotAct() throws Exception {
    // parsed as the API parses a request body (strict: unknown fields are refused)
    ToolDefinition parsed =
        io.statehouse.api.http.ApiJson.read(
            org.apache.pekko.http.javadsl.model.HttpEntities.create(
                org.apache.pekko.http.javadsl.model.ContentTypes.APPLICATION_JSON,
                "{\"inputSchema\":{\"type\":\"object\"},\"http\":{\"url\":\"https://x.test/pay\","
                    + "\"notApplied\":[422,409,409]}}"),
            ToolDefinition.class,
            false);
    ToolSpec spec = definitions.tool("acme", "pay", parsed);
    assertEquals(Set.of(409, 422), spec.http().notApplied());
    assertEquals(List.of(409, 422), Views.tool(spec).http().notApplied());

    for (List<Integer> wrong : List.of(List.of(500), List.of(302), List.of(408))) {
      ApiError e =
          assertThrows(
              ApiError.class,
              () ->
                  definitions.tool(
                      "acme",
                      "pay",
                      tool(
                          OBJECT_SCHEMA,
                          null,
                          new HttpDefinition(null, "https://x.test/pay", null, wrong))),
              wrong.toString());
      assertTrue(e.getMessage().contains("http.notApplied"), e.getMessage());
    }
  }

  @Test
  void mcpToolsAreRefusedHonestly() {
    ApiError e =
        assertThrows(
            ApiError.class,
            () ->
                definitions.tool(
                    "acme",
                    "t",
                    new ToolDefinition(
                        null,
                        null,
                        OBJECT_SCHEMA,
                        null,
                        null,
                        null,
                        null,
                        Specs.json("{\"server\":\"s\"}"))));
    // MCP tools come from registered servers, not from PUT /v1/tools
    assertTrue(e.getMessage().contains("PUT /v1/mcp-servers/{name}"), e.getMessage());
  }

  @Test
  void toolNamesFollowWhatModelProvidersAccept() {
    assertThrows(ApiError.class, () -> Definitions.checkName("tool", "workspace.read"));
    assertThrows(ApiError.class, () -> Definitions.checkName("tool", "9lives"));
    Definitions.checkName("tool", "get_weather-v2");
  }

  @Test
  void anAgentOnAProviderThisNodeLacksIsRefused() {
    AgentDefinition d =
        new AgentDefinition(
            null,
            null,
            null,
            new ModelDefinition("openai", "gpt-x", null, null, null, null),
            List.of(),
            null,
            null,
            null);
    ApiError e = assertThrows(ApiError.class, () -> definitions.agent("a", d));
    assertTrue(e.getMessage().contains("openai"), e.getMessage());
  }

  @Test
  void aScriptedAgentNeedsAScriptOfTextOrToolCallsAndTakesDefaultLimits() {
    ModelDefinition noScript =
        new ModelDefinition(
            "scripted", null, null, null, List.of(new ScriptStepDefinition(null, null)), null);
    assertThrows(
        ApiError.class,
        () ->
            definitions.agent(
                "a", new AgentDefinition(null, null, null, noScript, null, null, null, null)));

    ModelDefinition ok =
        new ModelDefinition(
            "scripted", null, 10L, true, List.of(new ScriptStepDefinition("hi", null)), null);
    AgentSpec spec =
        definitions.agent(
            "a", new AgentDefinition(null, null, null, ok, List.of("t1"), List.of(), null, null));
    assertEquals(16, spec.limits().maxStepsPerTurn());
    assertTrue(spec.model().loop());
    assertEquals(List.of("t1"), spec.tools());
  }

  @Test
  void aPolicyWithoutAnEffectAndBadLimitsAreRefusedTogether() {
    ModelDefinition ok =
        new ModelDefinition(
            "scripted", null, null, null, List.of(new ScriptStepDefinition("hi", null)), null);
    ApiError e =
        assertThrows(
            ApiError.class,
            () ->
                definitions.agent(
                    "a",
                    new AgentDefinition(
                        null,
                        null,
                        null,
                        ok,
                        List.of("t", "t"),
                        List.of(Specs.json("{\"tool\":\"t\"}")),
                        null,
                        new LimitsDefinition(0, -1L, null, -5L))));
    String m = e.getMessage();
    assertTrue(m.contains("policies"), m);
    assertTrue(m.contains("listed twice"), m);
    assertTrue(m.contains("maxStepsPerTurn"), m);
    assertTrue(m.contains("maxTokensPerSession"), m);
    assertTrue(m.contains("maxTokensPerTurn"), m);
  }
}

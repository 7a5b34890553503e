package io.statehouse.api.dto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.api.dto.Requests.McpHttpDefinition;
import io.statehouse.api.dto.Requests.McpServerDefinition;
import io.statehouse.api.dto.Requests.McpStdioDefinition;
import io.statehouse.api.dto.Requests.McpToolOptionsDefinition;
import io.statehouse.api.dto.Requests.ToolDefinition;
import io.statehouse.api.http.ApiError;
import io.statehouse.runtime.catalog.BuiltinTarget;
import io.statehouse.runtime.catalog.HeaderValue;
import io.statehouse.runtime.catalog.McpConnection;
import io.statehouse.runtime.catalog.McpServerSpec;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.tool.builtin.BuiltinTools;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What a tenant may register as an MCP server: only the operator's commands, no environment that
 * changes what code runs, credentials by reference only, URLs the tenant may reach.
 */
class McpServerDefinitionsTest {
  private static final Config OPERATOR =
      ConfigFactory.parseString(
              "statehouse.secrets.acme.WEATHER_KEY = \"w-secret-1\"\n"
                  + "statehouse.mcp.stdio.commands {\n"
                  + "  weather { command = \"/opt/mcp/weather\", args = [\"--stdio\"] }\n"
                  + "  files { command = \"/opt/mcp/files\", allow-args = true, tenants = [globex] }\n"
                  + "}\n")
          .withFallback(ConfigFactory.load())
          .resolve();

  private static McpServerDefinitions definitions(Config config) {
    return new McpServerDefinitions(new Definitions(config, Set.of("scripted")), config);
  }

  private final McpServerDefinitions mcp = definitions(OPERATOR);

  private static McpServerDefinition stdio(
      String command, List<String> args, Map<String, JsonNode> env) {
    return new McpServerDefinition(
        null, "d", new McpStdioDefinition(command, args, env), null, null, null, null);
  }

  private static McpServerDefinition http(String url, Map<String, JsonNode> headers) {
    return new McpServerDefinition(
        null, "d", null, new McpHttpDefinition(url, headers), null, null, null);
  }

  private static JsonNode secret(String name) {
    return Json.object().put("secret", name);
  }

  private String refusal(String tenant, McpServerDefinition d) {
    return assertThrows(ApiError.class, () -> mcp.server(tenant, "weather", d)).getMessage();
  }

  @Test
  void stdioIsRefusedOnANodeWhoseOperatorAllowsNoCommand() {
    McpServerDefinitions none = definitions(ConfigFactory.load().resolve());
    String message =
        assertThrows(
                ApiError.class,
                () -> none.server("acme", "weather", stdio("/usr/bin/python3", null, null)))
            .getMessage();
    assertTrue(message.contains("statehouse.mcp.stdio.commands"), message);
    assertTrue(message.contains("operator"), message);
  }

  @Test
  void aTenantCanOnlyNameACommandTheOperatorListsForIt() {
    assertTrue(refusal("acme", stdio("/bin/sh", null, null)).contains("it allows [weather]"));
    // files is globex's only
    assertTrue(refusal("acme", stdio("files", null, null)).contains("'files'"));
    McpServerSpec ok = mcp.server("acme", "weather", stdio("weather", null, null));
    assertEquals("weather", ok.connection().stdio().command());
  }

  @Test
  void argumentsAreTheOperatorsUnlessItsEntryAllowsMore() {
    assertTrue(
        refusal("acme", stdio("weather", List.of("-c", "rm -rf /"), null)).contains("stdio.args"));
    McpServerSpec files =
        mcp.server("globex", "files", stdio("files", List.of("--root", "/data"), null));
    assertEquals(List.of("--root", "/data"), files.connection().stdio().args());
  }

  @Test
  void environmentThatChangesWhatCodeRunsIsRefused() {
    for (String name :
        List.of(
            "LD_PRELOAD",
            "DYLD_INSERT_LIBRARIES",
            "JAVA_TOOL_OPTIONS",
            "NODE_OPTIONS",
            "PATH",
            "PYTHONPATH",
            "STATEHOUSE_SECRET_ACME_X")) {
      String message = refusal("acme", stdio("weather", null, Map.of(name, TextNode.valueOf("x"))));
      assertTrue(message.contains("may not set " + name), message);
    }
  }

  @Test
  void credentialsInTheEnvironmentMustBeSecretReferencesTheTenantHas() {
    String literal =
        refusal("acme", stdio("weather", null, Map.of("API_KEY", TextNode.valueOf("plain"))));
    assertTrue(literal.contains("stdio.env.API_KEY carries a credential"), literal);
    assertFalse(literal.contains("plain"), "a refusal never repeats a value");
    String unknown = refusal("acme", stdio("weather", null, Map.of("API_KEY", secret("NOPE"))));
    assertTrue(unknown.contains("secret NOPE is not defined for tenant acme"), unknown);

    McpServerSpec ok =
        mcp.server(
            "acme",
            "weather",
            stdio(
                "weather",
                null,
                Map.of("API_KEY", secret("WEATHER_KEY"), "UNITS", TextNode.valueOf("metric"))));
    assertEquals(
        new HeaderValue.SecretRef("WEATHER_KEY"), ok.connection().stdio().env().get("API_KEY"));
    assertEquals(new HeaderValue.Literal("metric"), ok.connection().stdio().env().get("UNITS"));
  }

  @Test
  void anHttpServerTheTenantMayNotReachIsRefusedAtRegistration() {
    assertTrue(refusal("acme", http("http://169.254.169.254/mcp", null)).contains("http.url"));
    assertTrue(refusal("acme", http("http://127.0.0.1:9/mcp", null)).contains("http.url"));
    assertTrue(
        refusal("acme", http("https://u:p@mcp.example.com/mcp", null)).contains("user info"));
    assertTrue(refusal("acme", http("ftp://mcp.example.com", null)).contains("http or https"));
  }

  @Test
  void headersAreSecretReferencesWhenTheyCarryCredentialsAndNeverTheTransportsOwn() {
    assertTrue(
        refusal(
                "acme",
                http(
                    "https://mcp.example.com/mcp",
                    Map.of("Authorization", TextNode.valueOf("Bearer x"))))
            .contains("carries a credential"));
    assertTrue(
        refusal(
                "acme",
                http(
                    "https://mcp.example.com/mcp", Map.of("Mcp-Session-Id", TextNode.valueOf("x"))))
            .contains("the MCP transport sets it"));
    McpServerSpec ok =
        mcp.server(
            "acme",
            "weather",
            http("https://mcp.example.com/mcp", Map.of("Authorization", secret("WEATHER_KEY"))));
    assertEquals(
        McpConnection.http(
            "https://mcp.example.com/mcp",
            Map.of("Authorization", new HeaderValue.SecretRef("WEATHER_KEY"))),
        ok.connection());
  }

  @Test
  void serverNamesLeaveRoomForTheSeparatorOfTheirToolsNames() {
    McpServerDefinition d = http("https://mcp.example.com/mcp", null);
    for (String name : List.of("my__server", "server_", "9lives", "s".repeat(33))) {
      assertThrows(ApiError.class, () -> mcp.server("acme", name, d), name);
    }
  }

  @Test
  void timeoutsAndToolOptionsAreChecked() {
    McpServerDefinition d =
        new McpServerDefinition(
            null,
            null,
            null,
            new McpHttpDefinition("https://mcp.example.com/mcp", null),
            "20s",
            null,
            Map.of("charge", new McpToolOptionsDefinition(false, "5s")));
    McpServerSpec spec = mcp.server("acme", "pay", d);
    assertEquals(Duration.ofSeconds(20), spec.timeout());
    assertEquals(
        new McpServerSpec.ToolOptions(false, Duration.ofSeconds(5)),
        spec.toolOptions().get("charge"));

    McpServerDefinition tooLong =
        new McpServerDefinition(
            null,
            null,
            null,
            new McpHttpDefinition("https://mcp.example.com/mcp", null),
            "11m",
            null,
            null);
    assertTrue(
        assertThrows(ApiError.class, () -> mcp.server("acme", "pay", tooLong))
            .getMessage()
            .contains("at most 10m"));
  }

  @Test
  void aBuiltinToolTakesItsSchemaFromTheProviderAndMustBeInstalled() {
    Definitions defs =
        new Definitions(OPERATOR, Set.of("scripted")).withBuiltins(BuiltinTools.discover());
    ToolSpec add =
        defs.tool(
            "acme",
            "adder",
            new ToolDefinition(
                null,
                null,
                null,
                null,
                "2s",
                null,
                null,
                null,
                new Requests.BuiltinDefinition("testkit", "add")));
    assertEquals(new BuiltinTarget("testkit", "add"), add.target());
    assertTrue(add.idempotent());
    assertEquals("object", add.inputSchema().path("type").asText());

    String missing =
        assertThrows(
                ApiError.class,
                () ->
                    defs.tool(
                        "acme",
                        "x",
                        new ToolDefinition(
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            new Requests.BuiltinDefinition("testkit", "nope"))))
            .getMessage();
    assertTrue(missing.contains("testkit=[add, context, refuse, slow]"), missing);
    String overclaimed =
        assertThrows(
                ApiError.class,
                () ->
                    defs.tool(
                        "acme",
                        "x",
                        new ToolDefinition(
                            null,
                            null,
                            null,
                            true,
                            null,
                            null,
                            null,
                            null,
                            new Requests.BuiltinDefinition("testkit", "slow"))))
            .getMessage();
    assertTrue(overclaimed.contains("does not declare slow idempotent"), overclaimed);
  }
}

package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static io.statehouse.api.it.ItKeys.ACME_AUDREY;
import static io.statehouse.api.it.ItKeys.GLOBEX_CAROL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.testing.mcp.TestMcpHttpServer;
import io.statehouse.runtime.testing.mcp.TestMcpServer;
import io.statehouse.runtime.testing.mcp.TestMcpTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * MCP tool servers and in-process tools, end to end on one node with Cassandra: a stdio server the
 * operator allows (its own JVM, built with the MCP Java SDK, started by the node) and a
 * streamable-HTTP server (the SDK's servlet transport in Tomcat), registered through the API and
 * called by scripted agents in real turns.
 */
@ExtendWith(CassandraExtension.class)
class McpToolsIT {
  private static final String SECRET_VALUE = "it-secret-value";
  private static Path callLog;
  private static TestMcpHttpServer remote;
  private static StatehouseNode node;
  private static Api api;

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    callLog = Files.createTempFile("mcp-it-calls", ".log");
    remote = new TestMcpHttpServer(callLog);
    List<String> line = TestMcpServer.commandLine(callLog);
    Config config =
        NodeConfig.overrides(
                keyspaces,
                0,
                // a test JVM starts slowly on a busy machine
                "statehouse.mcp.initialize-timeout = 60s\nstatehouse.mcp.discovery-timeout = 90s\n")
            .withValue(
                "statehouse.mcp.stdio.commands.testserver.command",
                ConfigValueFactory.fromAnyRef(line.get(0)))
            .withValue(
                "statehouse.mcp.stdio.commands.testserver.args",
                ConfigValueFactory.fromIterable(line.subList(1, line.size())))
            .withFallback(ConfigFactory.load())
            .resolve();
    node = StatehouseNode.start(config);
    api = new Api("127.0.0.1", node.port());
    put(
        "tools",
        "{\"description\":\"test tools over stdio\",\"stdio\":{\"command\":\"testserver\","
            + "\"env\":{\"GIVEN\":\"literal-env-value\",\"API_KEY\":{\"secret\":\"IT_API_KEY\"}}},"
            + "\"timeout\":\"20s\",\"retry\":{\"maxAttempts\":3,\"backoff\":\"100ms\"}}",
        201);
    put(
        "remote",
        "{\"http\":{\"url\":\""
            + remote.url()
            + "\",\"headers\":{\"X-Api-Key\":{\"secret\":\"IT_API_KEY\"}}},\"timeout\":\"10s\"}",
        201);
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    remote.close();
  }

  private static Api.Response put(String name, String json, int expected) {
    Api.Response r = api.put("/v1/mcp-servers/" + name, ACME_ALICE, json, "application/json");
    assertEquals(expected, r.status(), r.raw());
    return r;
  }

  /** A scripted agent that calls {@code tool} with {@code input}, then says "done". */
  private static void agent(String name, String tool, String input) {
    api.putAgent(
        ACME_ALICE,
        name,
        Defs.agent(
            "[\"" + tool + "\"]",
            "[{\"toolCalls\":[{\"name\":\""
                + tool
                + "\",\"input\":"
                + input
                + "}]},"
                + Defs.text("done")
                + "]",
            false,
            null));
  }

  private record Turn(String session, Api.Response reply) {
    /** The content of the turn's one tool result. */
    String toolResult() {
      JsonNode messages = api.get("/v1/sessions/" + session, ACME_ALICE).body().path("messages");
      return messages.get(2).path("toolResults").get(0).path("content").asText();
    }
  }

  private static Turn turn(String agent) {
    String id = api.openSession(ACME_ALICE, agent);
    return new Turn(
        id, api.post("/v1/sessions/" + id + "/messages", ACME_ALICE, "{\"content\":\"go\"}"));
  }

  private static JsonNode tools(String server) {
    Api.Response r = api.get("/v1/mcp-servers/" + server + "/tools", ACME_ALICE);
    assertEquals(200, r.status(), r.raw());
    return r.body();
  }

  private static JsonNode listed(JsonNode listing, String name) {
    return StreamSupport.stream(listing.path("items").spliterator(), false)
        .filter(t -> t.path("name").asText().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " not in " + listing));
  }

  private static String idempotencyKey(String session) {
    JsonNode events =
        api.get("/v1/sessions/" + session + "/events", ACME_ALICE).body().path("events");
    for (JsonNode e : events) {
      if (e.path("type").asText().equals("ToolCallStarted")) {
        return e.path("data").path("idempotencyKey").asText();
      }
    }
    throw new AssertionError("no ToolCallStarted in " + events);
  }

  @Test
  void aStdioServersToolsAreListedWithNamesModelsAcceptAndWhatStandsInTheWay() {
    JsonNode listing = tools("tools");
    assertEquals("tools", listing.path("server").asText());
    JsonNode echo = listed(listing, "echo");
    assertEquals("tools__echo", echo.path("modelName").asText());
    assertTrue(echo.path("usable").asBoolean());
    assertTrue(echo.path("idempotent").asBoolean(), "readOnlyHint");
    assertEquals("object", echo.path("inputSchema").path("type").asText());
    assertTrue(echo.path("annotations").path("readOnlyHint").asBoolean());

    JsonNode weather = listed(listing, "get weather!");
    assertTrue(
        weather.path("modelName").asText().matches("tools__get_weather_[0-9a-f]{8}"),
        weather.toString());
    assertTrue(weather.path("usable").asBoolean());

    JsonNode bad = listed(listing, "badschema");
    assertFalse(bad.path("usable").asBoolean());
    assertTrue(bad.path("reason").asText().contains("object"), bad.toString());
    assertFalse(listed(listing, "charge").path("idempotent").asBoolean());

    JsonNode servers = api.get("/v1/mcp-servers", ACME_AUDREY).body().path("items");
    assertEquals(List.of("remote", "tools"), texts(servers, "name"));
  }

  @Test
  void anAgentCallsAStdioServersToolInATurn() {
    agent("echoer", "tools__echo", "{\"text\":\"over stdio\"}");
    Turn t = turn("echoer");

    assertEquals("completed", t.reply().text("status"), t.reply().raw());
    assertEquals("done", t.reply().text("output"));
    assertEquals("echo: over stdio", t.toolResult());
  }

  @Test
  void anAgentCallsAStreamableHttpServersToolAndItsSecretHeaderReachesTheServer() {
    agent("remote-echoer", "remote__echo", "{\"text\":\"over http\"}");
    Turn t = turn("remote-echoer");

    assertEquals("completed", t.reply().text("status"), t.reply().raw());
    assertEquals("echo: over http", t.toolResult());
    assertTrue(remote.apiKeys().contains(SECRET_VALUE), "the secret went out as the header");
  }

  @Test
  void aToolWhoseNameNoModelAcceptsIsCalledByItsMappedName() {
    String mapped = listed(tools("tools"), "get weather!").path("modelName").asText();
    agent("forecaster", mapped, "{\"city\":\"Oslo\"}");
    Turn t = turn("forecaster");

    assertEquals("completed", t.reply().text("status"), t.reply().raw());
    assertEquals("sunny in Oslo", t.toolResult());
  }

  @Test
  void anAgentCannotNameAToolTheServerCannotOffer() {
    Api.Response r =
        api.put(
            "/v1/agents/bad-tools",
            ACME_ALICE,
            Defs.agent("[\"tools__badschema\"]", "[" + Defs.text("x") + "]", false, null),
            "application/json");
    assertEquals(400, r.status(), r.raw());
    assertEquals("unknown_tool", r.errorCode());
    assertTrue(r.raw().contains("not usable"), r.raw());
  }

  @Test
  void inputThatFailsTheToolsSchemaIsRefusedBeforeTheServerSeesIt() throws Exception {
    agent("bad-charger", "tools__charge", "{\"q\":42}");
    Turn t = turn("bad-charger");

    assertEquals("completed", t.reply().text("status"), t.reply().raw());
    assertTrue(t.toolResult().contains("does not match the schema"), t.toolResult());
    String events = api.get("/v1/sessions/" + t.session() + "/events", ACME_ALICE).raw();
    assertTrue(events.contains("invalid_arguments"), events);
    assertFalse(events.contains("ToolCallStarted"), "the call never started");
    // no test runs charge: the server never saw one
    assertTrue(
        Files.readAllLines(callLog).stream().noneMatch(l -> l.startsWith("charge ")), "never sent");
  }

  @Test
  void policiesDecideMcpToolCallsByTheNameTheModelUses() throws Exception {
    api.putAgent(
        ACME_ALICE,
        "guarded",
        "{\"model\":{\"provider\":\"scripted\",\"script\":[{\"toolCalls\":[{\"name\":"
            + "\"tools__charge\",\"input\":{\"q\":\"big\"}}]},{\"text\":\"done\"}]},"
            + "\"tools\":[\"tools__charge\"],\"policies\":[{\"tool\":\"tools__charge\","
            + "\"effect\":\"require_approval\",\"approvers\":[\"approver\"],"
            + "\"reason\":\"charges need a second pair of eyes\"}]}");
    Turn t = turn("guarded");

    assertEquals("awaiting_approval", t.reply().text("status"), t.reply().raw());
    assertEquals("tools__charge", t.reply().body().path("approvals").get(0).path("tool").asText());
    assertTrue(
        Files.readAllLines(callLog).stream().noneMatch(l -> l.startsWith("charge ")),
        "nothing runs before the approval");
  }

  @Test
  void aNonIdempotentToolWhoseServerDiesMidCallWaitsForAHumanAndIsNeverRunAgain() throws Exception {
    agent("dier", "tools__die", "{\"q\":\"x\"}");
    Turn t = turn("dier");

    assertEquals("needs_decision", t.reply().text("status"), t.reply().raw());
    assertEquals("tools__die", t.reply().body().path("approvals").get(0).path("tool").asText());
    String key = idempotencyKey(t.session());
    assertEquals(1, TestMcpTools.seen(callLog, "die " + key));
    Thread.sleep(500);
    assertEquals(1, TestMcpTools.seen(callLog, "die " + key), "not retried");
  }

  @Test
  void anIdempotentToolWhoseServerDiesIsRetriedWithTheSameKeyOnANewProcess() {
    agent("retrier", "tools__flaky", "{\"q\":\"y\"}");
    Turn t = turn("retrier");

    assertEquals("completed", t.reply().text("status"), t.reply().raw());
    assertEquals("flaky ok for y", t.toolResult());
    assertEquals(2, TestMcpTools.seen(callLog, "flaky " + idempotencyKey(t.session())));
  }

  @Test
  void theServerProcessSeesOnlyTheEnvironmentItsRegistrationGives() {
    agent("env-reader", "tools__env", "{}");
    Turn t = turn("env-reader");

    Set<String> names = new TreeSet<>(Arrays.asList(t.toolResult().split(",")));
    assertEquals(Set.of("PATH", "GIVEN", "API_KEY"), names);
    assertTrue(
        System.getenv().keySet().stream().anyMatch(v -> !names.contains(v)),
        "the node has variables that did not reach the process");
  }

  @Test
  void stdioIsRefusedForACommandTheOperatorDoesNotAllow() {
    Api.Response r =
        api.put(
            "/v1/mcp-servers/shell",
            ACME_ALICE,
            "{\"stdio\":{\"command\":\"/bin/sh\",\"args\":[\"-c\",\"id\"]}}",
            "application/json");
    assertEquals(400, r.status(), r.raw());
    assertTrue(r.raw().contains("statehouse.mcp.stdio.commands"), r.raw());
    assertEquals(404, api.get("/v1/mcp-servers/shell", ACME_ALICE).status());
  }

  @Test
  void anHttpServerOnAnAddressTheTenantMayNotReachIsRefusedAtRegistration() {
    Api.Response r =
        api.put(
            "/v1/mcp-servers/metadata",
            ACME_ALICE,
            "{\"http\":{\"url\":\"http://169.254.169.254/mcp\"}}",
            "application/json");
    assertEquals(400, r.status(), r.raw());
    assertTrue(r.raw().contains("http.url"), r.raw());
  }

  @Test
  void secretsAndLiteralEnvValuesNeverShowInViewsOrEvents() {
    Api.Response server = api.get("/v1/mcp-servers/tools", ACME_ALICE);
    assertEquals(200, server.status());
    JsonNode env = server.body().path("stdio").path("env");
    assertEquals("IT_API_KEY", env.path("API_KEY").path("secret").asText());
    assertEquals("***", env.path("GIVEN").asText());
    assertFalse(server.raw().contains(SECRET_VALUE));
    assertFalse(server.raw().contains("literal-env-value"));
    assertEquals(
        "IT_API_KEY",
        api.get("/v1/mcp-servers/remote", ACME_ALICE)
            .body()
            .path("http")
            .path("headers")
            .path("X-Api-Key")
            .path("secret")
            .asText());

    agent("env-value", "tools__echo", "{\"text\":\"pinned\"}");
    Turn t = turn("env-value");
    String events = api.get("/v1/sessions/" + t.session() + "/events", ACME_ALICE).raw();
    assertTrue(events.contains("\"API_KEY\":{\"secret\":\"IT_API_KEY\"}"), events);
    assertFalse(events.contains(SECRET_VALUE));
    assertFalse(events.contains("literal-env-value"));
  }

  @Test
  void anotherTenantSeesNoneOfTheServers() {
    assertEquals(404, api.get("/v1/mcp-servers/tools", GLOBEX_CAROL).status());
    assertEquals(404, api.get("/v1/mcp-servers/tools/tools", GLOBEX_CAROL).status());
    assertEquals(0, api.get("/v1/mcp-servers", GLOBEX_CAROL).body().path("items").size());
    assertEquals(404, api.delete("/v1/mcp-servers/tools", GLOBEX_CAROL).status());
  }

  @Test
  void aServerAnAgentUsesCannotBeRemovedAndAnUnusedOneCan() {
    agent("user-of-remote", "remote__charge", "{\"q\":\"z\"}");
    Api.Response inUse = api.delete("/v1/mcp-servers/remote", ACME_ALICE);
    assertEquals(409, inUse.status(), inUse.raw());
    assertEquals("mcp_server_in_use", inUse.errorCode());

    put("spare", "{\"http\":{\"url\":\"" + remote.url() + "\"}}", 201);
    assertEquals(403, api.delete("/v1/mcp-servers/spare", ACME_AUDREY).status());
    assertEquals(204, api.delete("/v1/mcp-servers/spare", ACME_ALICE).status());
    assertEquals(404, api.get("/v1/mcp-servers/spare", ACME_ALICE).status());
  }

  @Test
  void aBuiltinToolOfAProviderOnTheClassPathRunsInATurn() {
    api.putTool(
        ACME_ALICE,
        "adder",
        "{\"builtin\":{\"provider\":\"testkit\",\"tool\":\"add\"},\"timeout\":\"2s\"}");
    JsonNode view = api.get("/v1/tools/adder", ACME_ALICE).body();
    assertEquals("testkit", view.path("builtin").path("provider").asText());
    assertTrue(view.path("idempotent").asBoolean());
    agent("adding", "adder", "{\"a\":2,\"b\":3}");
    Turn t = turn("adding");

    assertEquals("completed", t.reply().text("status"), t.reply().raw());
    assertEquals("{\"sum\":5}", t.toolResult());
  }

  private static List<String> texts(JsonNode array, String field) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.path(field).asText()));
    return out;
  }
}

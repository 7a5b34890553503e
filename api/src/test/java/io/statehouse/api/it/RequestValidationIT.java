package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bad input gets a 4xx with a JSON error that says what is wrong, and changes nothing: no
 * definition, session or message is half-written.
 */
@ExtendWith(CassandraExtension.class)
class RequestValidationIT {
  private static StatehouseNode node;
  private static Api api;
  private static String session;

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    node =
        StatehouseNode.start(
            NodeConfig.full(keyspaces, 0, "statehouse.http.max-body-size = 64KiB"));
    api = new Api("127.0.0.1", node.port());
    api.putAgent(ACME_ALICE, "echo", Defs.agent("[]", "[" + Defs.text("hello") + "]", false, null));
    session = api.openSession(ACME_ALICE, "echo");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static void assertError(Api.Response r, int status, String code) {
    assertEquals(status, r.status(), r.raw());
    assertEquals(code, r.errorCode(), r.raw());
    assertTrue(
        r.body().path("error").path("message").asText().length() > 5,
        "a message says what is wrong");
  }

  private static int messageCount() {
    return api.get("/v1/sessions/" + session, ACME_ALICE).body().path("messages").size();
  }

  @Test
  void malformedJsonIsRefusedWithWhereItBroke() {
    Api.Response r =
        api.post("/v1/sessions/" + session + "/messages", ACME_ALICE, "{\"content\": \"hi\"");
    assertError(r, 400, "invalid_json");
    assertTrue(r.body().path("error").path("message").asText().contains("line 1"));
    assertEquals(0, messageCount());
  }

  @Test
  void aFieldOfTheWrongTypeIsNamed() {
    Api.Response r =
        api.post("/v1/sessions/" + session + "/messages", ACME_ALICE, "{\"content\": 42}");
    assertError(r, 400, "invalid_request");
    assertTrue(r.body().path("error").path("message").asText().contains("content"));
    Api.Response limits =
        api.put(
            "/v1/agents/typed",
            ACME_ALICE,
            "{\"model\":{\"provider\":\"scripted\",\"script\":[{\"text\":\"x\"}]},\"limits\":{\"maxStepsPerTurn\":\"ten\"}}",
            "application/json");
    assertError(limits, 400, "invalid_request");
    assertTrue(
        limits.body().path("error").path("message").asText().contains("limits.maxStepsPerTurn"),
        limits.raw());
    assertEquals(404, api.get("/v1/agents/typed", ACME_ALICE).status());
  }

  @Test
  void anUnknownFieldIsNamedRatherThanIgnored() {
    Api.Response r = api.post("/v1/sessions", ACME_ALICE, "{\"agent\":\"echo\",\"agnet\":\"x\"}");
    assertError(r, 400, "invalid_request");
    assertTrue(r.body().path("error").path("message").asText().contains("agnet"));
  }

  @Test
  void anUnknownAgentOpensNoSession() {
    assertError(
        api.post("/v1/sessions", ACME_ALICE, "{\"agent\":\"nobody\"}"), 400, "unknown_agent");
    assertError(api.post("/v1/sessions", ACME_ALICE, "{}"), 400, "invalid_request");
  }

  @Test
  void anAgentNamingAnUnregisteredToolIsNotStored() {
    Api.Response r =
        api.put(
            "/v1/agents/needs-ghost",
            ACME_ALICE,
            Defs.agent("[\"ghost\"]", "[" + Defs.text("x") + "]", false, null),
            "application/json");
    assertError(r, 400, "unknown_tool");
    assertTrue(r.body().path("error").path("message").asText().contains("ghost"));
    assertEquals(404, api.get("/v1/agents/needs-ghost", ACME_ALICE).status());
  }

  @Test
  void everyProblemOfAToolDefinitionIsReportedAndNothingIsStored() {
    Api.Response r =
        api.put(
            "/v1/tools/broken",
            ACME_ALICE,
            "{\"inputSchema\":{\"type\":\"nope\"},\"timeout\":\"soon\",\"http\":{\"url\":\"ftp://x\"}}",
            "application/json");
    assertError(r, 400, "invalid_request");
    String message = r.body().path("error").path("message").asText();
    assertTrue(message.contains("inputSchema"), message);
    assertTrue(message.contains("timeout"), message);
    assertTrue(message.contains("http.url"), message);
    assertEquals(404, api.get("/v1/tools/broken", ACME_ALICE).status());
  }

  @Test
  void anOversizedBodyGets413AndIsNotRecorded() {
    String huge = "{\"content\":\"" + "x".repeat(100_000) + "\"}";
    assertError(
        api.post("/v1/sessions/" + session + "/messages", ACME_ALICE, huge),
        413,
        "payload_too_large");
    assertEquals(0, messageCount());
  }

  @Test
  void anUnsupportedMediaTypeIsRefused() {
    assertError(
        api.send("POST", "/v1/sessions", ACME_ALICE, "<agent>echo</agent>", "application/xml"),
        415,
        "unsupported_media_type");
    assertError(
        api.send("POST", "/v1/sessions", ACME_ALICE, "agent: echo", "application/yaml"),
        415,
        "unsupported_media_type");
  }

  @Test
  void definitionsMayBeYamlAndReRegisteringTheSameDefinitionKeepsItsVersion() {
    String yaml =
        "description: a YAML tool\n"
            + "idempotent: true\n"
            + "timeout: 3s\n"
            + "inputSchema:\n  type: object\n  properties:\n    q: {type: string}\n"
            + "http:\n  method: POST\n  url: http://127.0.0.1:9/yaml\n  headers:\n"
            + "    X-Api-Key: {secret: IT_API_KEY}\n    X-Region: eu\n";
    Api.Response created = api.put("/v1/tools/yaml-tool", ACME_ALICE, yaml, "application/yaml");
    assertEquals(201, created.status(), created.raw());
    assertEquals(1, created.body().path("version").asInt());
    assertEquals("3s", created.body().path("timeout").asText());
    assertEquals(
        "IT_API_KEY",
        created.body().path("http").path("headers").path("X-Api-Key").path("secret").asText(),
        "a secret shows as its name");
    assertEquals(
        "***",
        created.body().path("http").path("headers").path("X-Region").asText(),
        "header values are not echoed");
    assertFalse(created.raw().contains("it-secret-value"));

    Api.Response again = api.put("/v1/tools/yaml-tool", ACME_ALICE, yaml, "application/yaml");
    assertEquals(200, again.status());
    assertEquals(1, again.body().path("version").asInt());

    Api.Response changed =
        api.put("/v1/tools/yaml-tool", ACME_ALICE, yaml.replace("3s", "4s"), "application/yaml");
    assertEquals(2, changed.body().path("version").asInt());

    assertError(
        api.put(
            "/v1/tools/yaml-tool",
            ACME_ALICE,
            "description: \"never closed\nidempotent: true",
            "application/yaml"),
        400,
        "invalid_yaml");
    assertEquals(2, api.get("/v1/tools/yaml-tool", ACME_ALICE).body().path("version").asInt());
  }

  @Test
  void badQueryParametersAndUnknownSessionsAreClearErrors() {
    assertError(
        api.post(
            "/v1/sessions/" + session + "/messages?wait=soon", ACME_ALICE, "{\"content\":\"x\"}"),
        400,
        "invalid_request");
    assertError(api.get("/v1/sessions?limit=0", ACME_ALICE), 400, "invalid_request");
    assertError(api.get("/v1/sessions?status=sleeping", ACME_ALICE), 400, "invalid_request");
    assertError(api.get("/v1/sessions/ses_doesnotexist", ACME_ALICE), 404, "session_not_found");
    assertError(api.get("/v1/sessions/not%20an%20id", ACME_ALICE), 404, "session_not_found");
    assertError(
        api.post("/v1/sessions/ses_doesnotexist/messages", ACME_ALICE, "{\"content\":\"x\"}"),
        404,
        "session_not_found");
    assertError(api.get("/v1/nothing-here", ACME_ALICE), 404, "not_found");
    assertError(
        api.send("PATCH", "/v1/sessions", ACME_ALICE, null, null), 405, "method_not_allowed");
    assertEquals(0, messageCount());
  }
}

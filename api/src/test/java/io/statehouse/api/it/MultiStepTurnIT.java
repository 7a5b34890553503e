package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.audit.AuditChain;
import io.statehouse.runtime.testing.LocalHttpServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A turn with two HTTP tool calls, end to end: real HTTP in, real Cassandra, real HTTP tools. */
@ExtendWith(CassandraExtension.class)
class MultiStepTurnIT {
  private static LocalHttpServer tools;
  private static StatehouseNode node;
  private static Api api;

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    tools =
        new LocalHttpServer()
            .on(
                "/search",
                (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"hits\":[\"pekko.apache.org\"]}"))
            .on("/lookup", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"stars\":1200}"))
            .on("/charge", (ex, body) -> LocalHttpServer.respond(ex, 503, "upstream busy"));
    node = StatehouseNode.start(NodeConfig.full(keyspaces, 0, ""));
    api = new Api("127.0.0.1", node.port());
    api.putTool(ACME_ALICE, "search", Defs.tool(tools.url("/search"), true, "5s"));
    api.putTool(ACME_ALICE, "lookup", Defs.tool(tools.url("/lookup"), false, "5s"));
    api.putAgent(
        ACME_ALICE,
        "researcher",
        Defs.agent(
            "[\"search\",\"lookup\"]",
            "[{\"toolCalls\":[{\"name\":\"search\",\"input\":{\"q\":\"pekko\"}},{\"name\":\"lookup\",\"input\":{\"q\":\"pekko\"}}]},"
                + Defs.text("Pekko has 1200 stars.")
                + "]",
            false,
            null));
  }

  /**
   * A 5xx from a non-idempotent tool: the charge may have gone through. Neither the runtime nor the
   * model may send it again; the turn waits for a human.
   */
  @Test
  void aNonIdempotentToolThatAnswers503IsNeverCalledAgainAndTheTurnNeedsADecision() {
    api.putTool(ACME_ALICE, "charge", Defs.tool(tools.url("/charge"), false, "5s"));
    api.putAgent(
        ACME_ALICE,
        "charger",
        Defs.agent(
            "[\"charge\"]",
            "[" + Defs.call("charge", "42 EUR") + "," + Defs.call("charge", "42 EUR") + "]",
            true,
            null));
    String id = api.openSession(ACME_ALICE, "charger");

    Api.Response turn =
        api.post("/v1/sessions/" + id + "/messages", ACME_ALICE, "{\"content\":\"charge me\"}");

    assertEquals(200, turn.status(), turn.raw());
    assertEquals("needs_decision", turn.text("status"), turn.raw());
    assertEquals("charge", turn.body().path("approvals").get(0).path("tool").asText());
    assertEquals(
        1,
        tools.seen().stream().filter(c -> c.path().equals("/charge")).count(),
        "the charge endpoint was hit exactly once");
  }

  @AfterAll
  static void stop() {
    node.close();
    tools.close();
  }

  @Test
  void aTurnCallsTwoToolsOverHttpAndAnswersWithTheirResultsInItsContext() {
    String id = api.openSession(ACME_ALICE, "researcher");

    Api.Response turn =
        api.post(
            "/v1/sessions/" + id + "/messages", ACME_ALICE, "{\"content\":\"research pekko\"}");

    assertEquals(200, turn.status(), turn.raw());
    assertEquals("completed", turn.text("status"));
    assertEquals("Pekko has 1200 stars.", turn.text("output"));
    assertTrue(turn.body().path("usage").path("inputTokens").asLong() > 0);

    List<LocalHttpServer.Seen> calls =
        tools.seen().stream().filter(c -> !c.path().equals("/charge")).toList();
    assertEquals(2, calls.size(), "each tool ran exactly once");
    LocalHttpServer.Seen search =
        calls.stream().filter(c -> c.path().equals("/search")).findFirst().orElseThrow();
    assertEquals("{\"q\":\"pekko\"}", search.body());
    assertEquals(
        id + "/" + turn.text("turnId") + "/1/call_0_0",
        search.headers().getFirst("Idempotency-Key"));
    assertEquals("acme", search.headers().getFirst("X-Statehouse-Tenant"));
    assertEquals("alice", search.headers().getFirst("X-Statehouse-Subject"));

    JsonNode session = api.get("/v1/sessions/" + id, ACME_ALICE).body();
    assertEquals("idle", session.path("status").asText());
    JsonNode messages = session.path("messages");
    assertEquals(List.of("user", "assistant", "tool", "assistant"), texts(messages, "role"));
    assertEquals(2, messages.get(1).path("toolCalls").size());
    assertEquals(
        "{\"stars\":1200}", messages.get(2).path("toolResults").get(1).path("content").asText());
  }

  @Test
  void theEventTrailRecordsEveryStepAsAHashChain() {
    String id = api.openSession(ACME_ALICE, "researcher");
    api.post("/v1/sessions/" + id + "/messages", ACME_ALICE, "{\"content\":\"research pekko\"}");

    JsonNode events = api.get("/v1/sessions/" + id + "/events", ACME_ALICE).body().path("events");

    assertEquals(
        List.of(
            "SessionCreated",
            "UserMessageAdded",
            "ModelCallStarted",
            "ModelReplied",
            "ToolCallStarted",
            "ToolCallStarted",
            "ToolCallSucceeded",
            "ToolCallSucceeded",
            "ModelCallStarted",
            "ModelReplied",
            "TurnCompleted"),
        texts(events, "type"));
    String previous = AuditChain.GENESIS;
    for (JsonNode e : events) {
      assertEquals(
          previous,
          e.path("prevHash").asText(),
          "event " + e.path("seq") + " links to its predecessor");
      previous = e.path("hash").asText();
    }
    assertEquals("user:alice", events.get(1).path("actor").asText());
    // the two calls run concurrently: their outcomes are recorded in the order they finish
    assertEquals(
        java.util.Set.of("tool:search", "tool:lookup"),
        java.util.Set.of(
            events.get(6).path("actor").asText(), events.get(7).path("actor").asText()));

    JsonNode page = api.get("/v1/sessions/" + id + "/events?after=4&limit=3", ACME_ALICE).body();
    assertEquals(
        List.of(5L, 6L, 7L),
        page.path("events").findValues("seq").stream().map(JsonNode::asLong).toList());
    assertEquals(7, page.path("next").asLong());
  }

  private static List<String> texts(JsonNode array, String field) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.path(field).asText()));
    return out;
  }
}

package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static io.statehouse.api.it.ItKeys.ACME_OLGA;
import static io.statehouse.api.it.ItKeys.GLOBEX_OTTO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.testing.LocalHttpServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What operators do to sessions over the API: the kill switch that cancels every running turn of an
 * agent or of the whole tenant (and of no other tenant), and passivating an idle session. Each
 * needs the operator role of the session's tenant.
 */
@ExtendWith(CassandraExtension.class)
class OperatorActionsIT {
  private static LocalHttpServer tools;
  private static StatehouseNode node;
  private static Api api;

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    tools =
        new LocalHttpServer()
            .on("/echo", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"ok\":true}"))
            .on("/crm", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"tier\":\"gold\"}"))
            .on(
                "/slow",
                (ex, body) -> {
                  try {
                    Thread.sleep(20_000);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  LocalHttpServer.respond(ex, 200, "{\"ok\":true}");
                });
    // the list shows a turn as running only once it has run 5 s: the kill switch must not need it
    node =
        StatehouseNode.start(
            NodeConfig.full(keyspaces, 0, "statehouse.session.read-side-interval = 5s"));
    api = new Api("127.0.0.1", node.port());
    api.putTool(ACME_ALICE, "slow", Defs.tool(tools.url("/slow"), true, "30s"));
    for (String agent : List.of("sloth-a", "sloth-b")) {
      api.putAgent(
          ACME_ALICE,
          agent,
          Defs.agent(
              "[\"slow\"]",
              "[" + Defs.call("slow", "x") + "," + Defs.text("done") + "]",
              true,
              null));
    }
    api.putAgent(
        ACME_ALICE, "chatty", Defs.agent("[]", "[" + Defs.text("hello") + "]", true, null));
    api.putTool(ACME_ALICE, "echo", Defs.tool(tools.url("/echo"), true, "5s"));
    api.putAgent(
        ACME_ALICE,
        "quick",
        Defs.agent(
            "[\"echo\"]",
            "[" + Defs.call("echo", "x") + "," + Defs.text("done") + "]",
            true,
            null));
  }

  @AfterAll
  static void stop() {
    node.close();
    tools.close();
  }

  private static String running(String agent) {
    String id = api.openSession(ACME_ALICE, agent);
    Api.Response r =
        api.post("/v1/sessions/" + id + "/messages?wait=0", ACME_ALICE, "{\"content\":\"go\"}");
    assertEquals(202, r.status(), r.raw());
    return id;
  }

  private static String status(String id) {
    return api.get("/v1/sessions/" + id, ACME_ALICE).text("status");
  }

  @Test
  void theKillSwitchCancelsTheRunningTurnsOfOneAgentOnlyAndOfNoOtherTenant() {
    List<String> a = new ArrayList<>(List.of(running("sloth-a"), running("sloth-a")));
    String b = running("sloth-b");
    Eventually.await(
        Duration.ofSeconds(30),
        "the session list shows the turns running",
        () ->
            api.get("/v1/sessions?status=running&limit=1000", ACME_OLGA)
                    .body()
                    .path("sessions")
                    .size()
                >= 3);

    assertEquals(
        403, api.post("/v1/ops/kill-switch", ACME_ALICE, "{}").status(), "a developer may not");
    JsonNode other = api.post("/v1/ops/kill-switch", GLOBEX_OTTO, "{}").body();
    assertEquals(0, other.path("cancelled").asInt(), "another tenant's operator stops nothing");
    assertEquals(400, api.post("/v1/ops/kill-switch", ACME_OLGA, "{\"agent\":\"../x\"}").status());

    Api.Response pulled = api.post("/v1/ops/kill-switch", ACME_OLGA, "{\"agent\":\"sloth-a\"}");
    assertEquals(200, pulled.status(), pulled.raw());
    assertEquals(2, pulled.body().path("cancelled").asInt(), pulled.raw());
    List<String> named = new ArrayList<>();
    pulled.body().path("sessions").forEach(s -> named.add(s.asText()));
    a.sort(String::compareTo);
    assertEquals(a, named);
    for (String id : a) {
      assertEquals("idle", status(id), "its turn was cancelled");
      JsonNode turns = api.get("/v1/sessions/" + id, ACME_ALICE).body();
      assertTrue(turns.toString().contains("cancelled"), turns.toString());
    }
    assertEquals("running", status(b), "the other agent's turn goes on");

    JsonNode all = api.post("/v1/ops/kill-switch", ACME_OLGA, "{}").body();
    assertEquals(1, all.path("cancelled").asInt(), all.toString());
    assertEquals("idle", status(b));
  }

  @Test
  void theKillSwitchStopsATurnTheSessionListDoesNotShowYet() {
    String young = running("sloth-a");
    // the list has the session (written when it was opened) but not its turn, younger than 5 s
    String listedStatus = null;
    for (JsonNode e : api.get("/v1/sessions?limit=1000", ACME_OLGA).body().path("sessions")) {
      if (e.path("id").asText().equals(young)) {
        listedStatus = e.path("status").asText();
      }
    }
    assertEquals("idle", listedStatus, "the list does not show the turn yet");

    Api.Response pulled = api.post("/v1/ops/kill-switch", ACME_OLGA, "{\"agent\":\"sloth-a\"}");
    assertEquals(200, pulled.status(), pulled.raw());
    List<String> named = new ArrayList<>();
    pulled.body().path("sessions").forEach(n -> named.add(n.asText()));
    assertTrue(named.contains(young), "found in the node's memory: " + pulled.raw());
    assertEquals("idle", status(young), "its turn was cancelled");
  }

  @Test
  void anOperatorPassivatesAnIdleSessionButNotOneWithATurnInProgress() {
    String idle = api.sessionWithTurns(ACME_ALICE, "chatty", "hi");
    assertEquals(
        403, api.post("/v1/sessions/" + idle + "/passivate", ACME_ALICE, "").status(), "owner");
    assertEquals(
        404,
        api.post("/v1/sessions/" + idle + "/passivate", GLOBEX_OTTO, "").status(),
        "another tenant's operator does not see it");
    Api.Response done = api.post("/v1/sessions/" + idle + "/passivate", ACME_OLGA, "");
    assertEquals(202, done.status(), done.raw());
    assertEquals("passivating", done.text("status"));
    // the next request wakes it from its journal, whole
    assertEquals("idle", status(idle));
    assertEquals(2, api.get("/v1/sessions/" + idle, ACME_ALICE).body().path("messages").size());

    String busy = running("sloth-b");
    Api.Response refused = api.post("/v1/sessions/" + busy + "/passivate", ACME_OLGA, "");
    assertEquals(409, refused.status(), refused.raw());
    assertEquals("turn_in_progress", refused.errorCode());
    api.post("/v1/sessions/" + busy + "/cancel", ACME_OLGA, "");
  }

  @Test
  void theOverviewShowsTheOperatorsTenantOnlyAndItsStreamOpensWithATicketOnce() throws Exception {
    api.sessionWithTurns(ACME_ALICE, "quick", "one", "two");
    assertEquals(403, api.get("/v1/ops/overview", ACME_ALICE).status(), "operators only");

    JsonNode acme = api.get("/v1/ops/overview", ACME_OLGA).body();
    assertEquals(1, acme.path("cluster").path("members").size(), acme.toString());
    assertTrue(acme.path("sessions").path("idle").asLong() >= 1, acme.toString());
    assertTrue(acme.path("sessions").has("passivated"), acme.toString());
    JsonNode minutes = acme.path("activity").path("minutes");
    assertEquals(60, minutes.size());
    long turns = 0;
    long toolCalls = 0;
    for (JsonNode m : minutes) {
      turns += m.path("turns").asLong();
      toolCalls += m.path("toolCalls").asLong();
    }
    assertTrue(turns >= 2 && toolCalls >= 2, acme.path("activity").toString());
    boolean echoRanked = false;
    for (JsonNode t : acme.path("activity").path("slowestTools")) {
      echoRanked |= t.path("name").asText().equals("echo") && t.path("calls").asInt() >= 2;
    }
    assertTrue(echoRanked, acme.path("activity").toString());

    JsonNode globex = api.get("/v1/ops/overview", GLOBEX_OTTO).body();
    for (JsonNode m : globex.path("activity").path("minutes")) {
      assertEquals(0, m.path("turns").asLong(), "another tenant sees none of acme's activity");
    }
    assertEquals(0, globex.path("sessions").path("idle").asLong(), globex.toString());
    assertTrue(globex.path("activity").path("slowestTools").isEmpty());

    assertEquals(403, api.post("/v1/ops/stream-tickets", ACME_ALICE, "").status());
    Api.Response issued = api.post("/v1/ops/stream-tickets", ACME_OLGA, "");
    assertEquals(201, issued.status(), issued.raw());
    String url = issued.text("stream");
    try (StreamClient stream = StreamClient.sse(node.port(), url, null, null)) {
      assertEquals(200, stream.status());
      StreamClient.Frame first = stream.next(Duration.ofSeconds(20));
      assertEquals("overview", first.kind());
      assertEquals(1, first.data().path("cluster").path("members").size());
      assertEquals("overview", stream.next(Duration.ofSeconds(20)).kind(), "and again");
    }
    try (StreamClient again = StreamClient.sse(node.port(), url, null, null)) {
      assertEquals(401, again.status(), "a ticket opens one stream on a node");
    }
    String ticket = issued.text("ticket");
    String session = api.openSession(ACME_ALICE, "chatty");
    try (StreamClient elsewhere =
        StreamClient.sse(
            node.port(), "/v1/sessions/" + session + "/stream?ticket=" + ticket, null, null)) {
      assertEquals(401, elsewhere.status(), "the overview's ticket opens no session's stream");
    }
  }

  /**
   * What operators read (the overview, the cluster, the ops stream, the kill switch's answer) after
   * a turn whose tool got a secret header: no secret value, API key or identity token in any of it,
   * and another tenant's operator sees neither this tenant's tool nor its session ids.
   */
  @Test
  void noOperatorAnswerCarriesASecretOrAnotherTenantsData() throws Exception {
    api.putTool(ACME_ALICE, "crm", Defs.toolWithSecretHeader(tools.url("/crm")));
    api.putAgent(
        ACME_ALICE,
        "crm-reader",
        Defs.agent(
            "[\"crm\"]",
            "[" + Defs.call("crm", "acme-17") + "," + Defs.text("gold") + "]",
            true,
            null));
    String session = api.sessionWithTurns(ACME_ALICE, "crm-reader", "look up acme-17");
    LocalHttpServer.Seen call =
        tools.seen().stream()
            .filter(c -> "it-secret-value".equals(c.headers().getFirst("X-Api-Key")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the tool received the resolved secret"));
    String token = call.headers().getFirst("X-Statehouse-Identity");
    List<String> secrets = List.of("it-secret-value", ACME_ALICE, ACME_OLGA, GLOBEX_OTTO, token);

    Api.Response overview = api.get("/v1/ops/overview", ACME_OLGA);
    assertTrue(
        overview.raw().contains("\"crm\""), "the overview ranks the tool: " + overview.raw());
    List<String> answers = new ArrayList<>();
    answers.add(overview.raw());
    answers.add(api.get("/v1/ops/cluster", ACME_OLGA).raw());
    answers.add(api.post("/v1/ops/kill-switch", ACME_OLGA, "{\"agent\":\"crm-reader\"}").raw());
    String url = api.post("/v1/ops/stream-tickets", ACME_OLGA, "").text("stream");
    try (StreamClient stream = StreamClient.sse(node.port(), url, null, null)) {
      answers.add(String.valueOf(stream.next(Duration.ofSeconds(20)).raw()));
    }
    for (String answer : answers) {
      for (String secret : secrets) {
        assertFalse(answer.contains(secret), "an operator's answer carries a secret: " + answer);
      }
    }

    for (String other :
        List.of(
            api.get("/v1/ops/overview", GLOBEX_OTTO).raw(),
            api.post("/v1/ops/kill-switch", GLOBEX_OTTO, "{}").raw())) {
      assertFalse(other.contains("\"crm\""), "another tenant sees acme's tool: " + other);
      assertFalse(other.contains(session), "another tenant sees acme's session: " + other);
      for (String secret : secrets) {
        assertFalse(other.contains(secret), "an answer carries a secret: " + other);
      }
    }
  }
}

package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static io.statehouse.api.it.ItKeys.ACME_AUDREY;
import static io.statehouse.api.it.ItKeys.ACME_BOB;
import static io.statehouse.api.it.ItKeys.ACME_DORA;
import static io.statehouse.api.it.ItKeys.GLOBEX_CAROL;
import static io.statehouse.api.it.ItKeys.GLOBEX_DAN;
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
 * Team runs end to end over real HTTP on the real Cassandra, on the scripted model: which role
 * wrote which artifact in which order, how many turns each member ran, what stopped the run.
 */
@ExtendWith(CassandraExtension.class)
class TeamRunsIT {
  private static StatehouseNode node;
  private static Api api;
  private static LocalHttpServer tools;

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    tools =
        new LocalHttpServer()
            .on("/crm", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"customer\":\"gold\"}"))
            .on("/refunds", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"refund\":\"r-9\"}"));
    node = StatehouseNode.start(NodeConfig.full(keyspaces, 0, ""));
    api = new Api("127.0.0.1", node.port());
    api.putAgent(
        ACME_ALICE,
        "researcher",
        Defs.agent(
            "[]",
            "[{\"toolCalls\":[{\"name\":\"workspace_put_artifact\",\"input\":{\"name\":\"findings\","
                + "\"content\":\"Tides follow the moon.\",\"expectedVersion\":0}}]},"
                + Defs.text("gathered")
                + "]",
            false,
            null));
    api.putAgent(
        ACME_ALICE,
        "checker",
        Defs.agent(
            "[]",
            "[{\"toolCalls\":[{\"name\":\"workspace_read\",\"input\":{\"artifact\":\"findings\"}}]},"
                + "{\"toolCalls\":[{\"name\":\"workspace_put_artifact\",\"input\":{\"name\":\"review\","
                + "\"content\":\"No issues.\",\"expectedVersion\":0}},"
                + "{\"name\":\"workspace_post\",\"input\":{\"to\":\"summarizer\",\"text\":\"cite the almanac\"}}]},"
                + Defs.text("reviewed")
                + "]",
            false,
            null));
    api.putAgent(
        ACME_ALICE,
        "summarizer",
        Defs.agent(
            "[]",
            "[{\"toolCalls\":[{\"name\":\"workspace_put_artifact\",\"input\":{\"name\":\"report\","
                + "\"content\":\"Report: tides follow the moon (almanac).\",\"expectedVersion\":0}}]},"
                + Defs.text("report written")
                + "]",
            false,
            null));
    Api.Response team =
        api.put(
            "/v1/teams/research",
            ACME_ALICE,
            "{\"members\":[{\"role\":\"researcher\",\"agent\":\"researcher\"},"
                + "{\"role\":\"compliance\",\"agent\":\"checker\"},"
                + "{\"role\":\"summarizer\",\"agent\":\"summarizer\"}],"
                + "\"entry\":\"researcher\",\"pattern\":\"pipeline\",\"done\":{\"artifact\":\"report\"}}",
            "application/json");
    assertEquals(201, team.status(), team.raw());
  }

  @AfterAll
  static void stop() {
    node.close();
    tools.close();
  }

  private static JsonNode awaitEnd(String workspaceId) {
    JsonNode[] last = new JsonNode[1];
    Eventually.await(
        Duration.ofSeconds(30),
        "the run of " + workspaceId + " to end",
        () -> {
          last[0] = api.get("/v1/workspaces/" + workspaceId, ACME_ALICE).body();
          String status = last[0].path("status").asText();
          return !status.equals("running") && !status.equals("awaiting_approval");
        });
    return last[0];
  }

  private static List<String> texts(JsonNode array, String... fields) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : array) {
      StringBuilder s = new StringBuilder();
      for (String f : fields) {
        s.append(s.length() == 0 ? "" : ":").append(n.path(f).asText());
      }
      out.add(s.toString());
    }
    return out;
  }

  @Test
  void aPipelineRunsEachRoleOnceInOrderAndStopsWhenTheReportExists() {
    Api.Response started =
        api.post("/v1/teams/research/runs", ACME_ALICE, "{\"input\":\"Why are there tides?\"}");
    assertEquals(201, started.status(), started.raw());
    String workspaceId = started.text("workspaceId");
    assertEquals("running", started.text("status"));
    assertEquals(
        "/v1/workspaces/" + workspaceId, started.headers().firstValue("Location").orElseThrow());

    JsonNode ws = awaitEnd(workspaceId);

    assertEquals("done", ws.path("status").asText(), ws.toString());
    assertEquals(
        List.of("findings:1:researcher", "review:1:compliance", "report:1:summarizer"),
        texts(ws.path("history"), "name", "version", "role"));
    assertEquals(
        List.of("researcher:1", "compliance:1", "summarizer:1"),
        texts(ws.path("members"), "role", "turns"));
    assertEquals(List.of("compliance:summarizer"), texts(ws.path("posts"), "from", "to"));
    assertEquals(3, ws.path("turns").asInt());
    assertTrue(ws.path("usage").path("inputTokens").asLong() > 0, ws.toString());

    JsonNode report =
        api.get("/v1/workspaces/" + workspaceId + "/artifacts/report", ACME_ALICE).body();
    assertEquals("Report: tides follow the moon (almanac).", report.path("content").asText());

    // the summarizer's turn got the compliance review inline and the post addressed to it
    String summarizer = ws.path("members").get(2).path("sessionId").asText();
    JsonNode session = api.get("/v1/sessions/" + summarizer, ACME_ALICE).body();
    String delivered = session.path("messages").get(0).path("content").asText();
    assertTrue(delivered.contains("No issues."), delivered);
    assertTrue(delivered.contains("cite the almanac"), delivered);
    Eventually.await(
        Duration.ofSeconds(10),
        "the members' sessions to be closed",
        () ->
            texts(
                    api.get("/v1/workspaces/" + workspaceId, ACME_ALICE).body().path("members"),
                    "status")
                .equals(List.of("closed", "closed", "closed")));
  }

  /**
   * The workspace stream gives every event once, in order, live as the run goes, and ends with the
   * run; read again from the journal after the run, it gives the same frames (hashes included).
   */
  @Test
  void aWorkspaceStreamsItsEventsLiveAndEndsWithTheRun() throws Exception {
    String workspaceId =
        api.post("/v1/teams/research/runs", ACME_ALICE, "{\"input\":\"Why are there tides?\"}")
            .text("workspaceId");
    String path = "/v1/workspaces/" + workspaceId + "/stream";
    List<StreamClient.Frame> live;
    try (StreamClient c = StreamClient.sse(node.port(), path, ACME_ALICE, null)) {
      assertEquals(200, c.status());
      live = c.until(f -> f.kind().equals("end"), Duration.ofSeconds(30));
      assertTrue(c.endedWithin(Duration.ofSeconds(5)), "the response ends after its end frame");
    }
    List<StreamClient.Frame> events = live.subList(0, live.size() - 1);
    for (int i = 0; i < events.size(); i++) {
      assertEquals(i + 1, events.get(i).seq(), "every event once, in order: " + kinds(live));
    }
    assertEquals("RunStarted", events.get(0).eventType());
    assertEquals("RunEnded", events.get(events.size() - 1).eventType());
    assertEquals(
        List.of("findings", "review", "report"),
        events.stream()
            .filter(f -> f.eventType().equals("ArtifactPut"))
            .map(f -> f.data().path("data").path("name").asText())
            .toList());
    StreamClient.Frame end = live.get(live.size() - 1);
    assertEquals("run_ended", end.data().path("reason").asText(), end.data().toString());
    assertEquals(events.size(), end.data().path("lastSeq").asLong());

    // the run is over and its members closed: the journal gives what the stream gave live
    Eventually.await(
        Duration.ofSeconds(10),
        "the members to be closed",
        () ->
            texts(
                    api.get("/v1/workspaces/" + workspaceId, ACME_ALICE).body().path("members"),
                    "status")
                .equals(List.of("closed", "closed", "closed")));
    try (StreamClient again = StreamClient.sse(node.port(), path + "?after=0", ACME_ALICE, null)) {
      List<StreamClient.Frame> replayed =
          again.until(f -> f.kind().equals("end"), Duration.ofSeconds(10));
      // the same JSON (members of an object may come in another order)
      assertEquals(
          live.stream().map(f -> List.of(f.kind(), f.seq(), f.data())).toList(),
          replayed.stream().map(f -> List.of(f.kind(), f.seq(), f.data())).toList());
    }
    // after the run's end only the members' close remains; past it nothing will come, and a
    // 204 tells EventSource to stop
    long last = api.get("/v1/workspaces/" + workspaceId, ACME_ALICE).body().path("events").asLong();
    assertEquals(events.size() + 1, last, "MembersClosed follows RunEnded");
    try (StreamClient rest = StreamClient.sse(node.port(), path, ACME_AUDREY, last - 1)) {
      assertEquals(
          List.of("MembersClosed#" + last, "end"),
          kinds(rest.until(f -> f.kind().equals("end"), Duration.ofSeconds(10))));
    }
    try (StreamClient past = StreamClient.sse(node.port(), path, ACME_ALICE, last)) {
      assertEquals(204, past.status());
    }

    // who may read the workspace may stream it; nobody else learns it exists
    try (StreamClient other = StreamClient.sse(node.port(), path, GLOBEX_CAROL, null)) {
      assertEquals(404, other.status());
    }
    try (StreamClient dev = StreamClient.sse(node.port(), path, ACME_DORA, null)) {
      assertEquals(403, dev.status());
    }
    try (StreamClient nobody = StreamClient.sse(node.port(), path, null, null)) {
      assertEquals(401, nobody.status());
    }
  }

  private static List<String> kinds(List<StreamClient.Frame> frames) {
    return frames.stream()
        .map(f -> f.isEvent() ? f.eventType() + "#" + f.seq() : f.kind())
        .toList();
  }

  /**
   * The seeds' refund case as a supervisor team: the lead hands the refund to the clerk, whose
   * refund above 100 EUR waits for an approver. Only the clerk pauses; the run shows
   * awaiting_approval, nothing is refunded before the decision, and after it the refund runs once,
   * the lead is told and writes the resolution that ends the run.
   */
  @Test
  void aSupervisorTeamWaitsWhileOneMemberAwaitsApprovalThenFinishes() {
    api.putTool(
        ACME_ALICE,
        "team-refund",
        "{\"description\":\"Refund an order\",\"idempotent\":false,\"timeout\":\"5s\","
            + "\"retry\":{\"maxAttempts\":1,\"backoff\":\"100ms\"},"
            + "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"orderId\":{\"type\":"
            + "\"string\"},\"amountEur\":{\"type\":\"number\"}},\"required\":[\"orderId\"]},"
            + "\"http\":{\"method\":\"POST\",\"url\":\""
            + tools.url("/refunds")
            + "\"}}");
    api.putAgent(
        ACME_ALICE,
        "refund-lead",
        Defs.agent(
            "[]",
            "[{\"toolCalls\":[{\"name\":\"workspace_handoff\",\"input\":{\"to\":\"clerk\","
                + "\"title\":\"Refund order A-3003 (180 EUR)\"}}]},"
                + Defs.text("handed to the clerk")
                + ",{\"toolCalls\":[{\"name\":\"workspace_put_artifact\",\"input\":{\"name\":"
                + "\"resolution\",\"content\":\"Refund r-9 of 180 EUR issued after approval.\","
                + "\"expectedVersion\":0}}]},"
                + Defs.text("resolved")
                + "]",
            false,
            null));
    api.putAgent(
        ACME_ALICE,
        "refund-clerk",
        Defs.agent(
                "[\"team-refund\"]",
                "[{\"toolCalls\":[{\"name\":\"team-refund\",\"input\":{\"orderId\":\"A-3003\","
                    + "\"amountEur\":180}}]},"
                    + Defs.text("Refund r-9 issued.")
                    + "]",
                false,
                null)
            .replaceFirst(
                "^\\{",
                "{\"policies\":[{\"tool\":\"team-refund\",\"when\":\"input.amountEur > 100\","
                    + "\"effect\":\"require_approval\",\"approvers\":[\"approver\"],"
                    + "\"reason\":\"refunds above 100 EUR need an approver\","
                    + "\"expiresAfter\":\"72h\"}],"));
    Api.Response team =
        api.put(
            "/v1/teams/refund-desk",
            ACME_ALICE,
            "{\"members\":[{\"role\":\"lead\",\"agent\":\"refund-lead\"},"
                + "{\"role\":\"clerk\",\"agent\":\"refund-clerk\"}],\"entry\":\"lead\","
                + "\"pattern\":\"supervisor\",\"delegates\":[\"clerk\"],"
                + "\"done\":{\"artifact\":\"resolution\"},\"limits\":{\"maxTurns\":6}}",
            "application/json");
    assertEquals(201, team.status(), team.raw());
    String workspaceId =
        api.post("/v1/teams/refund-desk/runs", ACME_ALICE, "{\"input\":\"Refund A-3003\"}")
            .text("workspaceId");
    String base = "/v1/workspaces/" + workspaceId;

    JsonNode[] waiting = new JsonNode[1];
    Eventually.await(
        Duration.ofSeconds(30),
        "the run to wait for an approver",
        () -> {
          waiting[0] = api.get(base, ACME_ALICE).body();
          return waiting[0].path("status").asText().equals("awaiting_approval");
        });
    // only the clerk is paused: the lead's turn ended and it waits for the clerk's report
    assertEquals(
        List.of("lead:idle", "clerk:awaiting_approval"),
        texts(waiting[0].path("members"), "role", "status"));
    assertEquals(List.of("clerk:open"), texts(waiting[0].path("tasks"), "owner", "status"));
    assertEquals(0, refunds(), "nothing is refunded before the decision");

    String clerk = waiting[0].path("members").get(1).path("sessionId").asText();
    JsonNode approval =
        api.get("/v1/sessions/" + clerk, ACME_ALICE).body().path("approvals").get(0);
    assertEquals("team-refund", approval.path("tool").asText());
    String decide = "/v1/sessions/" + clerk + "/approvals/" + approval.path("id").asText();
    Api.Response self = api.post(decide, ACME_ALICE, "{\"decision\":\"approve\"}");
    assertEquals(
        403, self.status(), "the run's owner may not approve its own refund: " + self.raw());
    Api.Response approved =
        api.post(decide, ACME_BOB, "{\"decision\":\"approve\",\"reason\":\"ok\"}");
    assertEquals(200, approved.status(), approved.raw());

    JsonNode ws = awaitEnd(workspaceId);
    assertEquals("done", ws.path("status").asText(), ws.toString());
    assertEquals(
        List.of("resolution:1:lead"), texts(ws.path("history"), "name", "version", "role"));
    assertEquals(List.of("lead:2", "clerk:1"), texts(ws.path("members"), "role", "turns"));
    assertEquals(1, refunds(), "the approved refund ran once");
  }

  private static long refunds() {
    return tools.seen().stream().filter(c -> c.path().equals("/refunds")).count();
  }

  @Test
  void anotherTenantDoesNotFindTheWorkspace() {
    String workspaceId =
        api.post("/v1/teams/research/runs", ACME_ALICE, "{\"input\":\"tides\"}")
            .text("workspaceId");
    Api.Response other = api.get("/v1/workspaces/" + workspaceId, GLOBEX_CAROL);
    assertEquals(404, other.status(), other.raw());
    assertEquals("workspace_not_found", other.errorCode());
    assertEquals(
        404, api.post("/v1/workspaces/" + workspaceId + "/cancel", GLOBEX_CAROL, "").status());
    assertEquals(
        404, api.post("/v1/teams/research/runs", GLOBEX_CAROL, "{\"input\":\"x\"}").status());
    awaitEnd(workspaceId);
  }

  @Test
  void aRunWithoutInputIsRefusedAndStartsNothing() {
    Api.Response refused = api.post("/v1/teams/research/runs", ACME_ALICE, "{\"input\":\" \"}");
    assertEquals(400, refused.status(), refused.raw());
    assertTrue(refused.raw().contains("input is required"));
    assertEquals(404, api.post("/v1/teams/nobody/runs", ACME_ALICE, "{\"input\":\"x\"}").status());
  }

  /**
   * A team whose member calls a tool with a secret header: no answer about the run (the run, the
   * workspace, its artifact, the team, the member's session and its events) carries the secret's
   * value, an API key or the identity token sent to the tool. Another tenant finds none of it;
   * another developer of the tenant may not read or cancel it; an auditor may read but not cancel.
   */
  @Test
  void noAnswerAboutARunCarriesASecretAndOnlyThoseWhoMayReadItDo() throws Exception {
    api.putTool(ACME_ALICE, "crm", Defs.toolWithSecretHeader(tools.url("/crm")));
    api.putAgent(
        ACME_ALICE,
        "crm-writer",
        Defs.agent(
            "[\"crm\"]",
            "["
                + Defs.call("crm", "acme-17")
                + ",{\"toolCalls\":[{\"name\":\"workspace_put_artifact\",\"input\":{\"name\":"
                + "\"report\",\"content\":\"gold customer\",\"expectedVersion\":0}}]},"
                + Defs.text("written")
                + "]",
            false,
            null));
    Api.Response team =
        api.put(
            "/v1/teams/crm-team",
            ACME_ALICE,
            "{\"members\":[{\"role\":\"writer\",\"agent\":\"crm-writer\"}],"
                + "\"entry\":\"writer\",\"pattern\":\"pipeline\",\"done\":{\"artifact\":\"report\"}}",
            "application/json");
    assertEquals(201, team.status(), team.raw());
    Api.Response started =
        api.post("/v1/teams/crm-team/runs", ACME_ALICE, "{\"input\":\"look up acme-17\"}");
    String workspaceId = started.text("workspaceId");
    JsonNode ws = awaitEnd(workspaceId);
    assertEquals("done", ws.path("status").asText(), ws.toString());
    LocalHttpServer.Seen call =
        tools.seen().stream()
            .filter(c -> "it-secret-value".equals(c.headers().getFirst("X-Api-Key")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the tool received the resolved secret"));
    String token = call.headers().getFirst("X-Statehouse-Identity");
    String member = ws.path("members").get(0).path("sessionId").asText();

    String base = "/v1/workspaces/" + workspaceId;
    List<Api.Response> answers =
        List.of(
            started,
            team,
            api.get(base, ACME_ALICE),
            api.get(base, ACME_AUDREY),
            api.get(base + "/artifacts/report", ACME_ALICE),
            api.get("/v1/teams/crm-team", ACME_ALICE),
            api.get("/v1/teams", ACME_ALICE),
            api.get("/v1/sessions/" + member, ACME_ALICE),
            api.get("/v1/sessions/" + member + "/events?limit=1000", ACME_ALICE));
    for (Api.Response r : answers) {
      assertTrue(r.status() == 200 || r.status() == 201, r.raw());
      for (String secret :
          List.of("it-secret-value", ACME_ALICE, ACME_BOB, GLOBEX_CAROL, GLOBEX_DAN, token)) {
        assertFalse(r.raw().contains(secret), "an answer carries a secret: " + r.raw());
      }
    }

    // the workspace's stream (every event of the run) and the member's session stream, which
    // ends once the run has closed it
    Eventually.await(
        Duration.ofSeconds(10),
        "the member to be closed",
        () ->
            texts(api.get(base, ACME_ALICE).body().path("members"), "status")
                .equals(List.of("closed")));
    for (String path : List.of(base + "/stream", "/v1/sessions/" + member + "/stream")) {
      try (StreamClient c = StreamClient.sse(node.port(), path, ACME_AUDREY, null)) {
        assertEquals(200, c.status(), path);
        String frames =
            c.until(f -> f.kind().equals("end"), Duration.ofSeconds(10)).stream()
                .map(f -> String.valueOf(f.raw()))
                .reduce("", String::concat);
        assertTrue(frames.contains("gold"), "the stream carries the run: " + frames);
        for (String secret :
            List.of("it-secret-value", ACME_ALICE, ACME_AUDREY, GLOBEX_CAROL, GLOBEX_DAN, token)) {
          assertFalse(frames.contains(secret), path + " carries a secret: " + frames);
        }
      }
      try (StreamClient other = StreamClient.sse(node.port(), path, GLOBEX_CAROL, null)) {
        assertEquals(404, other.status(), path);
      }
    }

    for (String path : List.of(base, base + "/artifacts/report")) {
      Api.Response other = api.get(path, GLOBEX_CAROL);
      assertEquals(404, other.status(), path + ": " + other.raw());
      assertFalse(other.raw().contains("crm"), other.raw());
      assertEquals(403, api.get(path, ACME_DORA).status(), path);
    }
    assertEquals(404, api.get("/v1/teams/crm-team", GLOBEX_CAROL).status());
    assertFalse(api.get("/v1/teams", GLOBEX_CAROL).raw().contains("crm"));
    assertEquals(403, api.post(base + "/cancel", ACME_DORA, "").status());
    assertEquals(403, api.post(base + "/cancel", ACME_AUDREY, "").status());
  }
}

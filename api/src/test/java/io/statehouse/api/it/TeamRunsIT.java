package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static io.statehouse.api.it.ItKeys.GLOBEX_CAROL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
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

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
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
}

package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static io.statehouse.api.it.ItKeys.ACME_AUDREY;
import static io.statehouse.api.it.ItKeys.ACME_BOB;
import static io.statehouse.api.it.ItKeys.ACME_OLGA;
import static io.statehouse.api.it.ItKeys.GLOBEX_OTTO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The read sides the sessions feed: {@code GET /v1/sessions} (projected from the journal, filtered
 * and paged) and {@code GET /v1/usage} (the tenant's model calls, summed).
 */
@ExtendWith(CassandraExtension.class)
class SessionListIT {
  private static final Duration PROJECTION = Duration.ofSeconds(30);
  private static StatehouseNode node;
  private static Api api;

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    // the scripted model is priced, so that usage reports carry a cost
    node =
        StatehouseNode.start(
            NodeConfig.full(
                keyspaces,
                0,
                "statehouse.models.prices.scripted { \"*\" { input = 1, output = 2 } }"));
    api = new Api("127.0.0.1", node.port());
    api.putAgent(ACME_ALICE, "quick", Defs.agent("[]", "[" + Defs.text("ok") + "]", true, null));
    api.putAgent(
        ACME_ALICE, "slow", Defs.agent("[]", "[" + Defs.text("slowly ok") + "]", true, 4_000L));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static Map<String, String> statuses(String query) {
    Map<String, String> out = new TreeMap<>();
    api.get("/v1/sessions" + query, ACME_BOB)
        .body()
        .path("sessions")
        .forEach(s -> out.put(s.path("id").asText(), s.path("status").asText()));
    return out;
  }

  @Test
  void theListFollowsEachSessionsStatusAndFiltersByIt() {
    String talked = api.openSession(ACME_ALICE, "quick");
    String untouched = api.openSession(ACME_ALICE, "quick");
    String closed = api.openSession(ACME_ALICE, "quick");
    String busy = api.openSession(ACME_ALICE, "slow");
    String turn =
        api.post("/v1/sessions/" + talked + "/messages", ACME_ALICE, "{\"content\":\"hi\"}")
            .text("turnId");
    assertEquals(200, api.delete("/v1/sessions/" + closed, ACME_ALICE).status());
    api.post(
        "/v1/sessions/" + busy + "/messages?wait=0",
        ACME_ALICE,
        "{\"content\":\"take your time\"}");

    Eventually.await(
        PROJECTION,
        "the list shows the running turn",
        () -> "running".equals(statuses("").get(busy)));
    Eventually.await(
        PROJECTION,
        "the list catches up",
        () -> {
          Map<String, String> s = statuses("");
          return "idle".equals(s.get(talked))
              && "idle".equals(s.get(untouched))
              && "closed".equals(s.get(closed));
        });
    JsonNode entry = find(api.get("/v1/sessions", ACME_ALICE).body(), talked);
    assertEquals(turn, entry.path("lastTurnId").asText());
    assertEquals("quick", entry.path("agent").asText());
    assertEquals(1, entry.path("agentVersion").asInt());

    assertEquals(List.of(closed), new ArrayList<>(statuses("?status=closed").keySet()));
    assertTrue(statuses("?status=idle").keySet().containsAll(List.of(talked, untouched)));
    Eventually.await(
        PROJECTION,
        "the slow turn ends and the list says so",
        () -> "idle".equals(statuses("").get(busy)));
  }

  @Test
  void theListIsPagedBySessionId() {
    List<String> opened = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      opened.add(api.openSession(ACME_ALICE, "quick"));
    }
    // every entry written before counting: one landing between the two pages would count twice
    Eventually.await(
        PROJECTION,
        "the three new sessions listed",
        () -> statuses("?limit=1000").keySet().containsAll(opened));
    int total = statuses("?limit=1000").size();

    JsonNode first = api.get("/v1/sessions?limit=2", ACME_ALICE).body();
    assertEquals(2, first.path("sessions").size());
    String next = first.path("next").asText();
    List<String> all = new ArrayList<>();
    first.path("sessions").forEach(s -> all.add(s.path("id").asText()));
    JsonNode rest = api.get("/v1/sessions?limit=1000&after=" + next, ACME_ALICE).body();
    rest.path("sessions").forEach(s -> all.add(s.path("id").asText()));
    assertEquals(total, all.size(), "the pages together hold every session once");
    assertEquals(all.stream().sorted().toList(), all, "ordered by id");
    assertTrue(rest.path("next").isNull());
  }

  @Test
  void theUsageReportSumsTheTenantsCallsByAgentModelAndDayForOperatorsAndAuditorsOnly() {
    api.putAgent(
        ACME_ALICE,
        "metered",
        Defs.agent("[]", "[" + Defs.text("counted words here") + "]", true, null));
    String first = api.sessionWithTurns(ACME_ALICE, "metered", "one", "two");
    String second = api.sessionWithTurns(ACME_ALICE, "metered", "three");
    long tokens =
        api.get("/v1/sessions/" + first, ACME_ALICE)
                .body()
                .path("usage")
                .path("totalTokens")
                .asLong()
            + api.get("/v1/sessions/" + second, ACME_ALICE)
                .body()
                .path("usage")
                .path("totalTokens")
                .asLong();
    assertTrue(tokens > 0);

    Eventually.await(
        PROJECTION,
        "the report counts both sessions' three calls",
        () -> {
          JsonNode metered = group(api.get("/v1/usage?groupBy=agent", ACME_OLGA).body(), "metered");
          return metered != null && metered.path("modelCalls").asLong() == 3;
        });
    JsonNode byAgent = api.get("/v1/usage?groupBy=agent", ACME_AUDREY).body();
    JsonNode metered = group(byAgent, "metered");
    assertEquals(tokens, metered.path("usage").path("totalTokens").asLong());
    assertTrue(metered.path("usage").path("costUsd").decimalValue().signum() > 0, "priced calls");
    assertEquals("acme", byAgent.path("tenant").asText());
    String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
    assertEquals(today, byAgent.path("to").asText());
    assertTrue(
        byAgent.path("total").path("modelCalls").asLong() >= 3, "the total sums every group");
    JsonNode byDay =
        api.get("/v1/usage?groupBy=day&from=" + today + "&to=" + today, ACME_OLGA).body();
    assertTrue(group(byDay, today).path("modelCalls").asLong() >= 3);
    JsonNode byModel = api.get("/v1/usage?groupBy=model", ACME_OLGA).body();
    assertTrue(group(byModel, "scripted").path("modelCalls").asLong() >= 3);

    // a developer may not read it; another tenant's operator sees none of it
    Api.Response developer = api.get("/v1/usage", ACME_ALICE);
    assertEquals(403, developer.status());
    assertEquals("forbidden", developer.errorCode());
    JsonNode globex = api.get("/v1/usage?groupBy=model", GLOBEX_OTTO).body();
    assertEquals("globex", globex.path("tenant").asText());
    assertEquals(0, globex.path("groups").size(), "globex ran nothing here: " + globex);
    assertEquals(0, globex.path("total").path("modelCalls").asLong());
  }

  @Test
  void aUsageReportWithABadGroupingOrRangeIsA400ThatSaysWhy() {
    Api.Response grouping = api.get("/v1/usage?groupBy=tenant", ACME_OLGA);
    Api.Response backwards = api.get("/v1/usage?from=2026-11-20&to=2026-11-01", ACME_OLGA);
    Api.Response tooLong = api.get("/v1/usage?from=2020-01-01&to=2026-11-01", ACME_OLGA);
    Api.Response notADate = api.get("/v1/usage?from=yesterday", ACME_OLGA);

    assertEquals(400, grouping.status());
    assertTrue(grouping.raw().contains("agent"), grouping.raw());
    assertEquals(400, backwards.status());
    assertTrue(backwards.raw().contains("after"), backwards.raw());
    assertEquals(400, tooLong.status());
    assertTrue(tooLong.raw().contains("366 days"), tooLong.raw());
    assertEquals(400, notADate.status());
    assertTrue(notADate.raw().contains("from"), notADate.raw());
  }

  private static JsonNode group(JsonNode report, String key) {
    for (JsonNode g : report.path("groups")) {
      if (g.path("key").asText().equals(key)) {
        return g;
      }
    }
    return null;
  }

  private static JsonNode find(JsonNode list, String id) {
    for (JsonNode s : list.path("sessions")) {
      if (s.path("id").asText().equals(id)) {
        return s;
      }
    }
    throw new AssertionError("no " + id + " in " + list);
  }
}

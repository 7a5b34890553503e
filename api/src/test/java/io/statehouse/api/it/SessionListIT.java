package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static io.statehouse.api.it.ItKeys.ACME_BOB;
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

/** {@code GET /v1/sessions} is the read side: projected from the journal, filtered and paged. */
@ExtendWith(CassandraExtension.class)
class SessionListIT {
  private static final Duration PROJECTION = Duration.ofSeconds(30);
  private static StatehouseNode node;
  private static Api api;

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    node = StatehouseNode.start(NodeConfig.full(keyspaces, 0, ""));
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
    for (int i = 0; i < 3; i++) {
      api.openSession(ACME_ALICE, "quick");
    }
    Eventually.await(PROJECTION, "at least three sessions listed", () -> statuses("").size() >= 3);
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

  private static JsonNode find(JsonNode list, String id) {
    for (JsonNode s : list.path("sessions")) {
      if (s.path("id").asText().equals(id)) {
        return s;
      }
    }
    throw new AssertionError("no " + id + " in " + list);
  }
}

package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.testing.LocalHttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The journal is the state: a node is stopped and a new actor system on the same Cassandra shows
 * the very same session (from a snapshot plus the events after it) and carries on with it.
 */
@ExtendWith(CassandraExtension.class)
class SessionRecoveryIT {

  @Test
  void aNewActorSystemRecoversTheWholeSessionFromSnapshotAndEvents(CassandraTestKeyspaces keyspaces)
      throws Exception {
    String config = "statehouse.session.snapshot-every = 4";
    try (LocalHttpServer tools =
        new LocalHttpServer()
            .on("/search", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"hits\":3}"))) {
      String id;
      JsonNode before;
      JsonNode eventsBefore;
      try (StatehouseNode first = StatehouseNode.start(NodeConfig.full(keyspaces, 0, config))) {
        Api api = new Api("127.0.0.1", first.port());
        api.putTool(ACME_ALICE, "search", Defs.tool(tools.url("/search"), true, "5s"));
        api.putAgent(
            ACME_ALICE,
            "looper",
            Defs.agent(
                "[\"search\"]",
                "[" + Defs.call("search", "x") + "," + Defs.text("done") + "]",
                true,
                null));
        id = api.openSession(ACME_ALICE, "looper");
        for (int i = 0; i < 3; i++) {
          assertEquals(
              "completed",
              api.post(
                      "/v1/sessions/" + id + "/messages",
                      ACME_ALICE,
                      "{\"content\":\"turn " + i + "\"}")
                  .text("status"));
        }
        before = api.get("/v1/sessions/" + id, ACME_ALICE).body();
        eventsBefore = api.get("/v1/sessions/" + id + "/events?limit=1000", ACME_ALICE).body();
      }

      try (StatehouseNode second = StatehouseNode.start(NodeConfig.full(keyspaces, 0, config))) {
        Api api = new Api("127.0.0.1", second.port());
        JsonNode after = api.get("/v1/sessions/" + id, ACME_ALICE).body();
        assertEquals(before, after, "every field, message and usage figure is recovered");
        assertEquals(
            eventsBefore, api.get("/v1/sessions/" + id + "/events?limit=1000", ACME_ALICE).body());
        assertEquals(25, eventsBefore.path("events").size(), "1 created + 3 turns of 8 events");

        Api.Response next =
            api.post("/v1/sessions/" + id + "/messages", ACME_ALICE, "{\"content\":\"turn 3\"}");
        assertEquals("completed", next.text("status"));
        JsonNode continued = api.get("/v1/sessions/" + id, ACME_ALICE).body();
        assertEquals(
            16, continued.path("messages").size(), "the conversation continues where it was");
        assertEquals(4, continued.path("turns").asInt());
        assertEquals(4, tools.seen().size());
      }
    }
  }
}

package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.session.SessionId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A journal with a hand-made gap, as a bad backup restore or a manual edit would leave it. The
 * session must say so by name, stay readable, refuse changes, and verification must point at the
 * gap: never a 500, never a session that answers nothing.
 */
@ExtendWith(CassandraExtension.class)
class JournalGapIT {

  @Test
  void aSessionWhoseJournalHasAGapIsBrokenReadableUpToItAndVerificationNamesTheMissingEvents(
      CassandraTestKeyspaces keyspaces) throws Exception {
    String id;
    try (StatehouseNode node = StatehouseNode.start(NodeConfig.full(keyspaces, 0, ""))) {
      Api api = new Api("127.0.0.1", node.port());
      api.putAgent(
          ACME_ALICE, "plain", Defs.agent("[]", "[" + Defs.text("Noted.") + "]", true, null));
      id = api.openSession(ACME_ALICE, "plain");
      for (String content : new String[] {"first", "second"}) {
        Api.Response r =
            api.post(
                "/v1/sessions/" + id + "/messages",
                ACME_ALICE,
                "{\"content\":\"" + content + "\"}");
        assertEquals("completed", r.text("status"), r.raw());
      }
    }
    // 1 SessionCreated, 2-5 the first turn, 6-9 the second: the first turn's reply is lost
    try (JournalProbe journal = new JournalProbe(keyspaces)) {
      journal.deleteEvents(new SessionId("acme", id), 4, 5);
    }

    try (StatehouseNode node = StatehouseNode.start(NodeConfig.full(keyspaces, 0, ""))) {
      Api api = new Api("127.0.0.1", node.port());

      Api.Response session = api.get("/v1/sessions/" + id, ACME_ALICE);
      assertEquals(200, session.status(), session.raw());
      assertEquals("broken", session.text("status"));
      assertEquals("journal_broken", session.body().path("error").path("code").asText());
      JsonNode messages = session.body().path("messages");
      assertEquals(1, messages.size(), "readable up to the gap: " + messages);
      assertEquals("first", messages.get(0).path("content").asText());

      Api.Response send =
          api.post("/v1/sessions/" + id + "/messages", ACME_ALICE, "{\"content\":\"third\"}");
      assertEquals(409, send.status(), send.raw());
      assertEquals("journal_broken", send.errorCode());
      assertEquals(409, api.delete("/v1/sessions/" + id, ACME_ALICE).status());

      Api.Response events = api.get("/v1/sessions/" + id + "/events", ACME_ALICE);
      assertEquals(200, events.status(), events.raw());
      assertEquals(7, events.body().path("events").size(), "every readable event is served");
      JsonNode missing = events.body().path("missing");
      assertEquals(1, missing.size(), missing.toString());
      assertEquals(4, missing.get(0).path("from").asLong());
      assertEquals(5, missing.get(0).path("to").asLong());

      Api.Response verify = api.get("/v1/sessions/" + id + "/audit/verify", ACME_ALICE);
      assertEquals(200, verify.status(), verify.raw());
      assertFalse(verify.body().path("valid").asBoolean());
      assertEquals(4, verify.body().path("firstMissingSeq").asLong(), verify.raw());
      assertEquals(6, verify.body().path("firstInvalidSeq").asLong(), verify.raw());
      assertEquals(7, verify.body().path("events").asLong());

      Eventually.await(
          java.time.Duration.ofSeconds(10),
          "the session list shows it broken",
          () -> api.get("/v1/sessions?status=broken", ACME_ALICE).raw().contains(id));
      // a sound session next to it is untouched
      String other = api.openSession(ACME_ALICE, "plain");
      Api.Response ok =
          api.post("/v1/sessions/" + other + "/messages", ACME_ALICE, "{\"content\":\"hi\"}");
      assertEquals("completed", ok.text("status"), ok.raw());
      assertTrue(
          api.get("/v1/sessions/" + other + "/audit/verify", ACME_ALICE)
              .body()
              .path("valid")
              .asBoolean());
    }
  }
}

package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.session.SessionId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Retried {@code POST …/messages} with the same idempotency key are one turn; others wait their
 * turn.
 */
@ExtendWith(CassandraExtension.class)
class IdempotentMessagesIT {
  private static StatehouseNode node;
  private static Api api;
  private static JournalProbe journal;

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    node = StatehouseNode.start(NodeConfig.full(keyspaces, 0, ""));
    api = new Api("127.0.0.1", node.port());
    journal = new JournalProbe(keyspaces);
    api.putAgent(ACME_ALICE, "echo", Defs.agent("[]", "[" + Defs.text("once") + "]", true, null));
    api.putAgent(
        ACME_ALICE, "slow", Defs.agent("[]", "[" + Defs.text("finally") + "]", true, 5_000L));
  }

  @AfterAll
  static void stop() {
    node.close();
    journal.close();
  }

  @Test
  void repeatingAMessageWithTheSameKeyReturnsTheSameTurnAndStartsNoOther() {
    String id = api.openSession(ACME_ALICE, "echo");
    String path = "/v1/sessions/" + id + "/messages";

    Api.Response first =
        api.post(path, ACME_ALICE, "{\"content\":\"charge me\",\"idempotencyKey\":\"order-77\"}");
    Api.Response retry =
        api.post(path, ACME_ALICE, "{\"content\":\"charge me\",\"idempotencyKey\":\"order-77\"}");

    assertEquals(200, first.status(), first.raw());
    assertEquals(first.text("turnId"), retry.text("turnId"));
    assertEquals(first.text("output"), retry.text("output"));
    assertEquals("completed", retry.text("status"));
    assertEquals(
        1,
        journal.count(new SessionId("acme", id), "UserMessageAdded"),
        "the retry added no message");
  }

  @Test
  void aKeyReusedForAnotherMessageIs409AndNeverAnswersWithTheOldTurn() {
    String id = api.openSession(ACME_ALICE, "echo");
    String path = "/v1/sessions/" + id + "/messages";
    Api.Response first =
        api.post(path, ACME_ALICE, "{\"content\":\"refund 10\",\"idempotencyKey\":\"k-5\"}");

    Api.Response reused =
        api.post(path, ACME_ALICE, "{\"content\":\"refund 900\",\"idempotencyKey\":\"k-5\"}");

    assertEquals(200, first.status(), first.raw());
    assertEquals(409, reused.status(), reused.raw());
    assertEquals("idempotency_key_reused", reused.errorCode());
    assertEquals(first.text("turnId"), reused.body().path("error").path("turnId").asText());
    assertEquals(1, journal.count(new SessionId("acme", id), "UserMessageAdded"));
  }

  @Test
  void theIdempotencyKeyHeaderWorksLikeTheBodyField() {
    String id = api.openSession(ACME_ALICE, "echo");
    String path = "/v1/sessions/" + id + "/messages";
    Api.Response first = send(path, "{\"content\":\"hi\"}", "hdr-1");
    Api.Response again = send(path, "{\"content\":\"hi\"}", "hdr-1");
    assertEquals(first.text("turnId"), again.text("turnId"));
    assertEquals(1, journal.count(new SessionId("acme", id), "UserMessageAdded"));
  }

  @Test
  void aRetryWhileTheTurnRunsGetsThatTurnAndAnotherMessageGets409() {
    String id = api.openSession(ACME_ALICE, "slow");
    String path = "/v1/sessions/" + id + "/messages";

    Api.Response started =
        api.post(
            path + "?wait=0", ACME_ALICE, "{\"content\":\"think\",\"idempotencyKey\":\"k-slow\"}");
    Api.Response retried =
        api.post(
            path + "?wait=0", ACME_ALICE, "{\"content\":\"think\",\"idempotencyKey\":\"k-slow\"}");
    Api.Response other = api.post(path, ACME_ALICE, "{\"content\":\"something else\"}");

    assertEquals(202, started.status());
    assertEquals("running", started.text("status"));
    assertEquals(started.text("turnId"), retried.text("turnId"));
    assertEquals(409, other.status());
    assertEquals("turn_in_progress", other.errorCode());
    assertEquals(started.text("turnId"), other.body().path("error").path("turnId").asText());

    Api.Response done =
        api.post(path, ACME_ALICE, "{\"content\":\"think\",\"idempotencyKey\":\"k-slow\"}");
    assertEquals(200, done.status(), "waits for the running turn and returns its result");
    assertEquals("finally", done.text("output"));
    assertEquals(1, journal.count(new SessionId("acme", id), "UserMessageAdded"));
  }

  private static Api.Response send(String path, String body, String key) {
    return api.send("POST", path, ACME_ALICE, body, "application/json", "Idempotency-Key", key);
  }
}

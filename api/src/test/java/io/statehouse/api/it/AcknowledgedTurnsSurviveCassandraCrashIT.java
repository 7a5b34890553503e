package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.launcher.FreePorts;
import io.statehouse.runtime.journal.ShardingStores;
import io.statehouse.runtime.testing.LocalHttpServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The journal's Cassandra itself crashes. The node runs its own Cassandra (the launcher's child
 * JVM, as in the dev run, restarted by the node when it dies) on a data dir of this test. The
 * Cassandra process is SIGKILLed right after a turn's 200: nothing acknowledged may be lost, and no
 * acknowledged turn may run again. With commitlog_sync periodic (the old setting) these tests fail:
 * the last events of the acknowledged turn are gone and the turn is resumed.
 */
class AcknowledgedTurnsSurviveCassandraCrashIT {
  private static final int ROUNDS = 5;
  private static final Duration BACK = Duration.ofSeconds(150);

  private static LocalHttpServer tools;
  private static StatehouseNode node;
  private static Api api;
  private static int cqlPort;

  @BeforeAll
  static void start() throws Exception {
    tools = CrashAgent.tools();
    int[] ports = FreePorts.pick(2);
    Path dir =
        Path.of("target", "cassandra-crash", UUID.randomUUID().toString().substring(0, 8))
            .toAbsolutePath();
    Config config =
        NodeConfig.withOwnCassandra(
                dir,
                ports[0],
                ports[1],
                0,
                "stop-with-parent = on\nrestart-on-exit = on\nrestart-backoff = 200ms")
            .withFallback(ConfigFactory.load())
            .resolve();
    cqlPort = ports[0];
    node = StatehouseNode.start(config);
    api = new Api("127.0.0.1", node.port());
    CrashAgent.register(api, tools);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    tools.close();
  }

  /** SIGKILL, as an OOM kill or a crash would; returns once the process is gone. */
  private static long killCassandra() throws Exception {
    long pid = node.cassandra().current().pid();
    ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
    process.destroyForcibly();
    process.onExit().get(30, TimeUnit.SECONDS);
    return pid;
  }

  private static void awaitBack(long deadPid) {
    Eventually.await(
        BACK,
        "the node restarts its Cassandra and is ready again",
        () ->
            node.cassandra().current().pid() != deadPid
                && api.get("/health/ready", null).status() == 200);
  }

  private static Api.Response send(String sessionId, String content, String key) {
    String body =
        "{\"content\":\""
            + content
            + "\""
            + (key == null ? "" : ",\"idempotencyKey\":\"" + key + "\"")
            + "}";
    return api.post("/v1/sessions/" + sessionId + "/messages", ACME_ALICE, body);
  }

  @Test
  void everyAcknowledgedTurnSurvivesCassandraKilledTheMomentItIsAcknowledged() throws Exception {
    String warmUp = api.openSession(ACME_ALICE, CrashAgent.NAME);
    assertEquals(200, send(warmUp, "warm up", null).status());
    Set<ActorRef> storesBefore =
        ShardingStores.find(node.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    List<String[]> acknowledged = new ArrayList<>();

    for (int round = 0; round < ROUNDS; round++) {
      // a new session each round: its shard's and the coordinator's stores write just before too
      String id = api.openSession(ACME_ALICE, CrashAgent.NAME);
      Api.Response turn = send(id, "round " + round, null);
      long dead = killCassandra();
      assertEquals(200, turn.status(), turn.raw());
      assertEquals("completed", turn.text("status"), turn.raw());
      acknowledged.add(new String[] {id, turn.text("turnId")});
      awaitBack(dead);
      // the moment the node says it is ready, its shards must have read the journal: a shard still
      // loading then would drop this request if its load failed (breakers left open by the outage)
      Api.Response right = api.get("/v1/sessions/" + id, ACME_ALICE);
      assertEquals(200, right.status(), "answered right after readiness: " + right.raw());
    }

    for (String[] acked : acknowledged) {
      Trail trail = Trail.of(api, ACME_ALICE, acked[0]);
      trail.assertSound();
      trail.assertCompletedOnceNeverResumed(acked[1]);
      assertEquals(
          9, trail.types().size(), "the session and all 8 events of its turn: " + trail.types());
      assertEquals("idle", api.get("/v1/sessions/" + acked[0], ACME_ALICE).text("status"));
    }
    String fresh = api.openSession(ACME_ALICE, CrashAgent.NAME);
    Api.Response after = send(fresh, "still working?", null);
    assertEquals("completed", after.text("status"), "new sessions start: " + after.raw());

    try (JournalProbe journal = JournalProbe.defaultKeyspaces("127.0.0.1", cqlPort)) {
      journal
          .persistenceIds()
          .forEach(
              pid -> {
                List<Long> seqs = journal.sequenceNumbers(pid);
                // sharding's stores may delete events before a snapshot: contiguous, not from 1
                for (int i = 1; i < seqs.size(); i++) {
                  assertEquals(
                      seqs.get(i - 1) + 1,
                      seqs.get(i),
                      "no gap in the journal of " + pid + ": " + seqs);
                }
              });
      assertTrue(
          journal.persistenceIds().contains("/sharding/sessionCoordinator"),
          "the coordinator's store is among them: " + journal.persistenceIds());
    }
    Set<ActorRef> storesAfter =
        ShardingStores.find(node.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertFalse(storesAfter.isEmpty());
    assertTrue(
        Collections.disjoint(storesBefore, storesAfter),
        "every remember-entities store was restarted and read the journal again");
  }

  @Test
  void aMessageSentWhileCassandraIsDownIsRefusedAtOnceAndRunsExactlyOnceWhenItIsBack()
      throws Exception {
    String id = api.openSession(ACME_ALICE, CrashAgent.NAME);
    Api.Response first = send(id, "before the outage", null);
    assertEquals(200, first.status(), first.raw());
    long dead = killCassandra();

    long started = System.nanoTime();
    Api.Response during = send(id, "during the outage", "outage-1");
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertEquals(503, during.status(), during.raw());
    assertEquals("journal_unavailable", during.errorCode(), during.raw());
    assertFalse(
        during.raw().contains(Integer.toString(cqlPort)) || during.raw().contains("127.0.0.1"),
        "no Cassandra address reaches a client: " + during.raw());
    assertTrue(tookMs < 5_000, "answered in " + tookMs + " ms, not after the 30 s ask timeout");
    Api.Response ready = api.get("/health/ready", null);
    assertEquals(503, ready.status(), "readiness is down while the journal is: " + ready.raw());
    Api.Response read = api.get("/v1/sessions/" + id, ACME_ALICE);
    assertEquals("journal_unavailable", read.errorCode(), read.raw());

    // the client retries with the same key until the node takes it, as the 503 tells it to
    Api.Response[] retried = new Api.Response[1];
    Eventually.await(
        BACK,
        "the message is taken once the journal is back",
        () -> {
          retried[0] = send(id, "during the outage", "outage-1");
          return retried[0].status() != 503;
        });
    assertEquals(200, retried[0].status(), retried[0].raw());
    assertEquals("completed", retried[0].text("status"));
    Api.Response again = send(id, "during the outage", "outage-1");
    assertEquals(retried[0].text("turnId"), again.text("turnId"), "the same turn, not a second");

    Trail trail = Trail.of(api, ACME_ALICE, id);
    trail.assertSound();
    assertEquals(2, trail.count("UserMessageAdded"), trail.types().toString());
    assertEquals(2, trail.count("TurnCompleted"), trail.types().toString());
    assertEquals(0, trail.count("TurnResumed"), trail.types().toString());
    assertTrue(node.cassandra().current().pid() != dead);
  }
}

package io.statehouse.runtime.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.journal.JournalStatus.Available;
import io.statehouse.runtime.journal.JournalStatus.Unavailable;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JournalHealthTest {
  private ActorTestKit testKit;
  private JournalHealth health;

  @BeforeEach
  void start() {
    // a cluster provider, as on a node: recovery asks sharding's coordinators (there are none
    // here). The in-memory journal only stands in for the plugin the recovery probe reads through:
    // what is tested is when the node lets requests in, not what a journal keeps
    testKit =
        ActorTestKit.create(
            ConfigFactory.parseString(
                    "pekko.actor.provider = cluster\npekko.remote.artery.canonical.port = 0")
                .withFallback(PersistenceTestKitPlugin.getInstance().config())
                .withFallback(PersistenceTestKitSnapshotPlugin.getInstance().config())
                .withFallback(ConfigFactory.load()));
    health = JournalHealth.get(testKit.system());
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  private static String codeOf(CompletableFuture<?> f) {
    ExecutionException e =
        org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, f::get);
    return assertInstanceOf(Rejection.class, e.getCause()).code();
  }

  @Test
  void aCallerAlreadyWaitingHearsOfTheLossAtOnceAndLaterCallersBeforeAsking() {
    CompletableFuture<String> waiting = health.failFastOnLoss(new CompletableFuture<>());
    TestProbe<Unavailable> losses = testKit.createTestProbe();
    testKit
        .system()
        .eventStream()
        .tell(new EventStream.Subscribe<>(Unavailable.class, losses.ref()));

    health.report(new Unavailable("no open connection", Instant.now()));

    assertEquals("journal_unavailable", codeOf(waiting));
    assertEquals("journal_unavailable", codeOf(health.failFastOnLoss(new CompletableFuture<>())));
    assertEquals("no open connection", losses.receiveMessage().reason());
    assertFalse(health.available());
  }

  @Test
  void whatTheMonitorSawStaysInTheLogAndNeverReachesACaller() {
    String driverMessage =
        "reading the journal failed: All 1 node(s) tried failed: Node(endPoint=/10.0.4.17:9042)";
    CompletableFuture<String> waiting = health.failFastOnLoss(new CompletableFuture<>());

    health.report(new Unavailable(driverMessage, Instant.now()));

    ExecutionException e =
        org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, waiting::get);
    String message = e.getCause().getMessage();
    assertFalse(message.contains("10.0.4.17"), message);
    assertFalse(message.contains("9042"), message);
    assertTrue(message.contains("retry with the same idempotencyKey"), message);
  }

  @Test
  void anAnswerThatArrivesFirstIsKeptAndForgotten() throws Exception {
    CompletableFuture<String> answered = health.failFastOnLoss(new CompletableFuture<>());
    answered.complete("done");

    health.report(new Unavailable("later", Instant.now()));

    assertEquals("done", answered.get());
  }

  @Test
  void requestsStayOutWhileNoPersistentActorCanRecoverAlthoughCassandraAnswers() {
    PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());
    // as while the plugins' circuit breakers are still open after an outage
    journal.failNextNReads(RecoveryProbe.PERSISTENCE_ID, 1_000_000);
    TestProbe<Available> back = testKit.createTestProbe();
    testKit.system().eventStream().tell(new EventStream.Subscribe<>(Available.class, back.ref()));
    health.report(new Unavailable("down", Instant.now()));

    health.report(new Available(Instant.now()));

    back.expectNoMessage(Duration.ofMillis(1_500));
    assertFalse(health.available(), "recoveries still fail: sharding's stores are not reset yet");
    journal.resetPolicy();
    back.receiveMessage(Duration.ofSeconds(10));
    assertTrue(health.available());
  }

  @Test
  void theJournalIsAvailableAgainOnlyAfterShardingHasReadItAgainAndSaysSo() {
    TestProbe<Available> back = testKit.createTestProbe();
    testKit.system().eventStream().tell(new EventStream.Subscribe<>(Available.class, back.ref()));
    health.report(new Unavailable("down", Instant.now()));

    health.report(new Available(Instant.now()));
    health.report(new Available(Instant.now())); // the monitor repeats itself: one recovery

    back.receiveMessage(Duration.ofSeconds(10));
    back.expectNoMessage(Duration.ofMillis(300));
    assertTrue(health.available());
  }
}

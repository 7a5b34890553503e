package io.statehouse.persistence.cassandra.readside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.statehouse.runtime.approval.ApprovalQueue.Entry;
import io.statehouse.runtime.approval.ApprovalQueue.Kind;
import io.statehouse.runtime.approval.ApprovalQueue.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.FutureConverters;

/** What the queue does when Cassandra cannot be reached, without a network. */
class CassandraApprovalQueueTest {
  private static final Duration BACKOFF = Duration.ofMillis(500);
  private static final String SECRET_INPUT = "{\"card\":\"4111-1111-1111-1111\"}";
  private static final String SECRET_REASON = "customer said their pin is 4321";

  private static ActorSystem system;

  @BeforeAll
  static void start() {
    system = ActorSystem.create("approval-queue-test");
  }

  @AfterAll
  static void stop() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void recordReturnsAtOnceAndGivesUpAfterItsAttemptsLoggingNoInput() throws Exception {
    CassandraSession down =
        new CassandraSession(
            system,
            // Pekko's session keeps a failed connection attempt: every write then fails at once
            ec ->
                FutureConverters.asScala(
                    CompletableFuture.failedFuture(new IllegalStateException("no Cassandra here"))),
            system.dispatcher(),
            Logging.getLogger(system, CassandraApprovalQueueTest.class),
            "approval-queue-test",
            cql -> CompletableFuture.<Done>completedFuture(Done.getInstance()),
            () -> {});
    ReadSideSettings settings = new ReadSideSettings("ks", true, "{}", 3, BACKOFF);
    CassandraApprovalQueue queue = new CassandraApprovalQueue(down, settings);
    ListAppender<ILoggingEvent> logs = capture();

    long started = System.nanoTime();
    CompletionStage<Done> outcome = queue.recorded("acme", entry(), 5);
    ExecutionException failed =
        assertThrows(
            ExecutionException.class,
            () -> outcome.toCompletableFuture().get(30, TimeUnit.SECONDS));

    assertTrue(String.valueOf(failed.getCause()).contains("no Cassandra here"), failed.toString());
    // three attempts wait one backoff, then two, in between; a single attempt fails at once
    assertTrue(
        System.nanoTime() - started >= BACKOFF.multipliedBy(3).toNanos(),
        "gave up before its third attempt");
    // warm now: record returns well before the retries it starts are over
    long before = System.nanoTime();
    queue.record("acme", entry(), 5);
    assertTrue(
        System.nanoTime() - before < BACKOFF.toNanos(), "record must not wait for Cassandra");
    awaitWarnings(logs, 2);
    for (ILoggingEvent event : logs.list) {
      String line = event.getFormattedMessage();
      assertTrue(line.contains("apr_1") && line.contains("after 3 attempts"), line);
      assertFalse(line.contains("4111"), "input in a log line: " + line);
      assertFalse(line.contains("4321"), "reason in a log line: " + line);
    }
  }

  private static void awaitWarnings(ListAppender<ILoggingEvent> logs, int count)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (logs.list.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(count, logs.list.size(), "warnings: " + logs.list);
  }

  private static ListAppender<ILoggingEvent> capture() {
    Logger logger = (Logger) LoggerFactory.getLogger(CassandraApprovalQueue.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    return appender;
  }

  private static Entry entry() {
    return new Entry(
        "apr_1",
        "ses_1",
        "turn_1",
        "call_1",
        "payments",
        "charge_card",
        SECRET_INPUT,
        SECRET_REASON,
        List.of("approver"),
        Kind.APPROVAL,
        "alice",
        Instant.now(),
        Instant.now().plusSeconds(60),
        Status.PENDING,
        null,
        null);
  }
}

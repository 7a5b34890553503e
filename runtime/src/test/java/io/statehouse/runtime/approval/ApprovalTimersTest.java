package io.statehouse.runtime.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.runtime.approval.ApprovalQueue.Deadline;
import io.statehouse.runtime.approval.ApprovalQueue.Entry;
import io.statehouse.runtime.approval.ApprovalQueue.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The durable approval timers tell sessions about due deadlines; a deadline its session says is
 * stale (decided already, its turn ended) is deleted, so that stale deadlines never fill the batch
 * of due ones and keep a later approval from expiring.
 */
class ApprovalTimersTest {
  private static final ActorTestKit KIT = ActorTestKit.create();
  private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  /** Deadlines in memory, earliest first, as the Cassandra queue answers {@code due}. */
  private static final class Deadlines implements ApprovalQueue {
    final ConcurrentHashMap<String, Deadline> rows = new ConcurrentHashMap<>();
    final List<String> forgotten = new CopyOnWriteArrayList<>();

    void add(String id, Instant at) {
      rows.put(id, new Deadline("acme", "ses_" + id, id, at));
    }

    @Override
    public void record(String tenant, Entry entry, long sequenceNr) {}

    @Override
    public void forget(Deadline deadline) {
      forgotten.add(deadline.approvalId());
      rows.remove(deadline.approvalId());
    }

    @Override
    public CompletionStage<List<Entry>> list(
        String tenant, Optional<Status> status, int limit, Optional<String> after) {
      return CompletableFuture.completedFuture(List.of());
    }

    @Override
    public CompletionStage<List<Deadline>> due(Instant now, int limit) {
      return CompletableFuture.completedFuture(
          rows.values().stream()
              .filter(d -> !d.expiresAt().isAfter(now))
              .sorted(Comparator.comparing(Deadline::expiresAt))
              .limit(limit)
              .toList());
    }
  }

  @Test
  void staleDeadlinesAreDeletedAndNoLongerKeepALaterApprovalFromExpiring() {
    Deadlines queue = new Deadlines();
    // a full batch of deadlines whose approvals were decided, due before the one still waiting
    queue.add("decided_1", NOW.minusSeconds(300));
    queue.add("decided_2", NOW.minusSeconds(200));
    queue.add("waiting", NOW.minusSeconds(100));
    TestProbe<String> told = KIT.createTestProbe();
    List<String> expired = new ArrayList<>();
    ApprovalTimers.Expirer sessions =
        d -> {
          boolean stale = d.approvalId().startsWith("decided");
          if (!stale) {
            synchronized (expired) {
              expired.add(d.approvalId());
            }
          }
          told.getRef().tell(d.approvalId());
          return CompletableFuture.completedFuture(stale);
        };
    KIT.spawn(
        ApprovalTimers.create(
            queue,
            sessions,
            new ApprovalTimers.Settings(Duration.ofMillis(50), 2, Duration.ofHours(1)),
            Clock.fixed(NOW, ZoneOffset.UTC)));

    told.expectMessage("decided_1");
    told.expectMessage("decided_2");
    told.expectMessage("waiting");

    assertEquals(List.of("decided_1", "decided_2"), queue.forgotten);
    synchronized (expired) {
      assertEquals(List.of("waiting"), expired);
    }
    assertTrue(queue.rows.containsKey("waiting"), "its session's own decision removes it");
    told.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void aDeadlineWhoseSessionDoesNotAnswerIsKeptAndNotSentEveryPoll() {
    Deadlines queue = new Deadlines();
    queue.add("silent", NOW.minusSeconds(10));
    TestProbe<String> told = KIT.createTestProbe();
    KIT.spawn(
        ApprovalTimers.create(
            queue,
            d -> {
              told.getRef().tell(d.approvalId());
              return CompletableFuture.failedFuture(new IllegalStateException("no answer"));
            },
            new ApprovalTimers.Settings(Duration.ofMillis(50), 10, Duration.ofHours(1)),
            Clock.fixed(NOW, ZoneOffset.UTC)));

    told.expectMessage("silent");
    told.expectNoMessage(Duration.ofMillis(400));
    assertEquals(List.of(), queue.forgotten);
    assertTrue(queue.rows.containsKey("silent"));
  }
}

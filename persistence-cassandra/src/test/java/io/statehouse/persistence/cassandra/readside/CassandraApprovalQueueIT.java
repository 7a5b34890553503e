package io.statehouse.persistence.cassandra.readside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.approval.ApprovalQueue.Deadline;
import io.statehouse.runtime.approval.ApprovalQueue.Entry;
import io.statehouse.runtime.approval.ApprovalQueue.Kind;
import io.statehouse.runtime.approval.ApprovalQueue.Status;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The approval queue on the real Cassandra. Every test has a tenant of its own; the deadline table
 * is shared by all tenants, so deadline tests look at their own tenant's rows, except the one that
 * checks order and limit, whose deadlines lie in 1970, before any other test's.
 */
@ExtendWith(CassandraExtension.class)
class CassandraApprovalQueueIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  private static ActorSystem system;
  private static CassandraApprovalQueue queue;
  private static CassandraSession session;
  private static ReadSideSettings settings;

  @BeforeAll
  static void createTables(CassandraTestKeyspaces keyspaces) throws Exception {
    Config config = keyspaces.persistenceConfig();
    system = ActorSystem.create("approval-queue-it", config);
    session =
        CassandraSessionRegistry.get(system)
            .sessionFor(CassandraSessionSettings.create("statehouse.cassandra.read-side.session"));
    settings = ReadSideSettings.fromConfig(config);
    ReadSideSchema.create(session, settings).toCompletableFuture().get(2, TimeUnit.MINUTES);
    queue = new CassandraApprovalQueue(session, settings);
  }

  @AfterAll
  static void stop() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void listsATenantsApprovalsInIdOrderPageByPageWithEveryField() throws Exception {
    for (String id : List.of("apr_3", "apr_1", "apr_5", "apr_2", "apr_4")) {
      await(queue.recorded("acme", pending(id, null), 3));
    }
    await(queue.recorded("other", pending("apr_0", null), 3));

    List<Entry> first = await(queue.list("acme", Optional.empty(), 2, Optional.empty()));
    List<Entry> second = await(queue.list("acme", Optional.empty(), 2, Optional.of("apr_2")));
    List<Entry> last = await(queue.list("acme", Optional.empty(), 2, Optional.of("apr_4")));

    assertEquals(List.of("apr_1", "apr_2"), ids(first));
    assertEquals(List.of("apr_3", "apr_4"), ids(second));
    assertEquals(List.of("apr_5"), ids(last), "another tenant's approval must not show");
    assertEquals(pending("apr_1", null), first.get(0));
  }

  @Test
  void listsOnlyTheAskedStatusAndADecidedApprovalLeavesThePendingList() throws Exception {
    await(queue.recorded("status-co", pending("apr_a", null), 3));
    await(queue.recorded("status-co", pending("apr_b", null), 3));
    await(queue.recorded("status-co", pending("apr_c", null), 4));
    await(queue.recorded("status-co", decided(pending("apr_b", null), Status.APPROVED), 6));

    assertEquals(
        List.of("apr_a", "apr_c"),
        ids(await(queue.list("status-co", Optional.of(Status.PENDING), 10, Optional.empty()))));
    assertEquals(
        List.of("apr_b"),
        ids(await(queue.list("status-co", Optional.of(Status.APPROVED), 10, Optional.empty()))));
    assertEquals(
        List.of(),
        ids(await(queue.list("status-co", Optional.of(Status.DENIED), 10, Optional.empty()))));
    assertEquals(
        List.of("apr_c"),
        ids(await(queue.list("status-co", Optional.of(Status.PENDING), 10, Optional.of("apr_a")))),
        "paging within a status");
  }

  @Test
  void aDecidedApprovalLeavesTheQueueAfterItsRetentionWhileAPendingOneStays() throws Exception {
    CassandraApprovalQueue brief =
        new CassandraApprovalQueue(
            session,
            new ReadSideSettings(
                settings.keyspace(),
                false,
                settings.replication(),
                settings.recordAttempts(),
                settings.recordBackoff(),
                // long enough that the decided row is still listed when read back below
                Duration.ofSeconds(6)));
    await(brief.recorded("brief-co", pending("apr_kept", null), 3));
    await(brief.recorded("brief-co", pending("apr_done", null), 3));
    await(brief.recorded("brief-co", decided(pending("apr_done", null), Status.APPROVED), 5));
    assertEquals(
        List.of("apr_done", "apr_kept"),
        ids(await(brief.list("brief-co", Optional.empty(), 10, Optional.empty()))));

    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (ids(await(brief.list("brief-co", Optional.empty(), 10, Optional.empty())))
            .contains("apr_done")
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }

    assertEquals(
        List.of("apr_kept"),
        ids(await(brief.list("brief-co", Optional.empty(), 10, Optional.empty()))),
        "the decided approval expired from the tenant's list; the pending one has no TTL");
    assertEquals(
        List.of(),
        ids(await(brief.list("brief-co", Optional.of(Status.APPROVED), 10, Optional.empty()))));
    assertEquals(
        List.of("apr_kept"),
        ids(await(brief.list("brief-co", Optional.of(Status.PENDING), 10, Optional.empty()))));
  }

  @Test
  void retentionIsBoundedByWhatCassandraAccepts() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new ReadSideSettings("ks", false, "{}", 3, Duration.ofMillis(1), Duration.ofDays(-1)));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new ReadSideSettings(
                "ks", false, "{}", 3, Duration.ofMillis(1), Duration.ofDays(365 * 21)));
  }

  @Test
  void anOlderEntryLandingAfterANewerOneChangesNothing() throws Exception {
    Entry requested = pending("apr_late", NOW.plusSeconds(3600));
    Entry denied = decided(requested, Status.DENIED);

    await(queue.recorded("late-co", denied, 7));
    await(queue.recorded("late-co", requested, 3));

    assertEquals(
        List.of(denied), await(queue.list("late-co", Optional.empty(), 10, Optional.empty())));
    assertEquals(
        List.of(),
        await(queue.list("late-co", Optional.of(Status.PENDING), 10, Optional.empty())),
        "the pending row was deleted at a later sequence number than its late insert");
    assertEquals(
        List.of(denied),
        await(queue.list("late-co", Optional.of(Status.DENIED), 10, Optional.empty())));
  }

  @Test
  void aDeadlineDeletedByADecisionStaysDeletedWhenItsOlderInsertLandsLate() throws Exception {
    Entry requested = pending("apr_gone", NOW.minusSeconds(60));

    await(queue.recorded("order-co", decided(requested, Status.APPROVED), 9));
    await(queue.recorded("order-co", requested, 4));

    assertEquals(List.of(), dueOf("order-co", NOW.plusSeconds(3600)));
  }

  @Test
  void aPendingDeadlineIsDueOnceItHasPassedAndNotBefore() throws Exception {
    Instant soon = NOW.plusSeconds(600);
    await(queue.recorded("due-co", pending("apr_past", NOW.minusSeconds(60)), 3));
    await(queue.recorded("due-co", pending("apr_soon", soon), 3));
    await(queue.recorded("due-co", pending("apr_never", null), 3));

    assertEquals(
        List.of(new Deadline("due-co", "ses_apr_past", "apr_past", NOW.minusSeconds(60))),
        dueOf("due-co", NOW));
    assertEquals(
        List.of("apr_past", "apr_soon"),
        dueOf("due-co", soon).stream().map(Deadline::approvalId).toList(),
        "a deadline is due at its instant, earliest first");
  }

  @Test
  void aDecidedApprovalIsNoLongerDue() throws Exception {
    Entry requested = pending("apr_decided", NOW.minusSeconds(30));
    await(queue.recorded("decide-co", requested, 3));
    assertEquals(1, dueOf("decide-co", NOW).size(), "due before the decision");

    await(queue.recorded("decide-co", decided(requested, Status.EXPIRED), 5));

    assertEquals(List.of(), dueOf("decide-co", NOW));
  }

  @Test
  void aForgottenDeadlineIsGoneAndAPendingWriteOfItLandingLateDoesNotBringItBack()
      throws Exception {
    Entry requested = pending("apr_stale", NOW.minusSeconds(30));
    await(queue.recorded("stale-co", requested, 3));
    Deadline stale = dueOf("stale-co", NOW).get(0);

    await(queue.forgotten(stale));
    assertEquals(List.of(), dueOf("stale-co", NOW));

    // a session's recovery writes its pending entries stamped with its sequence numbers
    await(queue.recorded("stale-co", requested, 40));
    assertEquals(List.of(), dueOf("stale-co", NOW));
  }

  @Test
  void dueReturnsTheEarliestDeadlinesOfAllBucketsUpToItsLimit() throws Exception {
    Instant epoch = Instant.ofEpochSecond(1_000);
    List<Deadline> all = new ArrayList<>();
    Set<Integer> buckets = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      String id = "apr_early_" + i;
      // later ids expire earlier, so id order and deadline order disagree
      Instant at = epoch.plusSeconds(100 - i);
      await(queue.recorded("early-co", pending(id, at), 3));
      all.add(new Deadline("early-co", "ses_" + id, id, at));
      buckets.add(CassandraApprovalQueue.bucketOf(id));
    }
    assertTrue(buckets.size() > 8, "the ids should spread over the buckets: " + buckets);

    List<Deadline> due = await(queue.due(epoch.plusSeconds(100), 5));

    List<Deadline> expected =
        all.stream().sorted(java.util.Comparator.comparing(Deadline::expiresAt)).limit(5).toList();
    assertEquals(expected, due);
  }

  @Test
  void recordsAnEntryWhoseInputIsLargerThanABatchMayBe() throws Exception {
    // Cassandra refuses batches over 50 KB by default; the entry is written twice, so a batch of
    // its rows would fail on every retry
    String input = "{\"text\":\"" + "x".repeat(120_000) + "\"}";
    Entry big = withInput(pending("apr_big", NOW.plusSeconds(60)), input);

    await(queue.recorded("big-co", big, 3));

    assertEquals(
        List.of(big),
        await(queue.list("big-co", Optional.of(Status.PENDING), 1, Optional.empty())));
  }

  private static List<Deadline> dueOf(String tenant, Instant now) throws Exception {
    return await(queue.due(now, 1_000)).stream().filter(d -> d.tenant().equals(tenant)).toList();
  }

  static Entry pending(String approvalId, Instant expiresAt) {
    return new Entry(
        approvalId,
        "ses_" + approvalId,
        "turn_1",
        "call_" + approvalId,
        "refunds",
        "issue_refund",
        "{\"amount\":120}",
        "refunds over 100 need a human",
        List.of("approver", "operator"),
        Kind.APPROVAL,
        "alice",
        NOW.minusSeconds(300),
        expiresAt,
        Status.PENDING,
        null,
        null);
  }

  private static Entry decided(Entry e, Status status) {
    return new Entry(
        e.approvalId(),
        e.sessionId(),
        e.turnId(),
        e.callId(),
        e.agent(),
        e.tool(),
        e.inputJson(),
        e.reason(),
        e.approvers(),
        e.kind(),
        e.requestedBy(),
        e.requestedAt(),
        e.expiresAt(),
        status,
        status == Status.EXPIRED ? "runtime" : "bob",
        NOW);
  }

  private static Entry withInput(Entry e, String inputJson) {
    return new Entry(
        e.approvalId(),
        e.sessionId(),
        e.turnId(),
        e.callId(),
        e.agent(),
        e.tool(),
        inputJson,
        e.reason(),
        e.approvers(),
        e.kind(),
        e.requestedBy(),
        e.requestedAt(),
        e.expiresAt(),
        e.status(),
        e.decidedBy(),
        e.decidedAt());
  }

  private static List<String> ids(List<Entry> entries) {
    return entries.stream().map(Entry::approvalId).toList();
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }
}

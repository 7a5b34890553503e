package io.statehouse.persistence.cassandra.readside;

import com.datastax.oss.driver.api.core.cql.Row;
import io.statehouse.runtime.approval.ApprovalQueue;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The approval queue in three tables, all written only by the approval's own session:
 *
 * <ul>
 *   <li>{@code approvals_by_tenant}: every approval of a tenant, one partition per tenant, in id
 *       order;
 *   <li>{@code approvals_by_status}: the same rows, one partition per tenant and status, so {@code
 *       ?status=pending} reads only pending rows however many approvals the tenant has decided;
 *   <li>{@code approval_deadlines}: pending approvals that expire, spread over {@value
 *       #DEADLINE_BUCKETS} partitions and ordered by deadline, so {@link #due} is that many small
 *       range reads. Nothing is held in memory: a deadline survives any restart.
 * </ul>
 *
 * <p>Like {@link CassandraSessionDirectory}, every write carries {@code USING TIMESTAMP
 * <sequenceNr>}, deletes included. Cassandra keeps the newest cell and a row tombstone shadows
 * every older write, so a late write of an older entry (a pending one landing after its decision)
 * changes nothing, without a read or a lightweight transaction. The sequence number is per session,
 * and an approval's rows are written by its session only, so it is a valid clock for each row.
 *
 * <p>PENDING is the only status an approval leaves: a decided entry deletes its pending row and its
 * deadline. The rows of final statuses carry a TTL ({@code decided-approvals-kept}, 90 days by
 * default), so a tenant's partitions stay bounded; the session's journal keeps every decision.
 *
 * <p>The statements of one record are separate writes, not a batch: an entry carries the call's
 * input, and two copies of a large input would exceed Cassandra's batch size limit on every retry.
 * Each write is idempotent, so a failed record is simply written again whole.
 */
public final class CassandraApprovalQueue implements ApprovalQueue {
  private static final Logger log = LoggerFactory.getLogger(CassandraApprovalQueue.class);

  /**
   * Partitions of {@code approval_deadlines}. Fixed, not configured: with another count, rows
   * written before the change would sit in partitions nobody reads.
   */
  static final int DEADLINE_BUCKETS = 16;

  private static final String ENTRY_COLUMNS =
      "approval_id, session_id, turn_id, call_id, agent, tool, input_json, reason, approvers, kind, "
          + "requested_by, requested_at, expires_at, status, decided_by, decided_at";
  private static final String ENTRY_MARKERS = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";

  private final CassandraSession session;
  private final ReadSideSettings settings;
  private final String byTenant;
  private final String byStatus;
  private final String deadlines;

  public CassandraApprovalQueue(CassandraSession session, ReadSideSettings settings) {
    this.session = session;
    this.settings = settings;
    this.byTenant = settings.keyspace() + ".approvals_by_tenant";
    this.byStatus = settings.keyspace() + ".approvals_by_status";
    this.deadlines = settings.keyspace() + ".approval_deadlines";
  }

  @Override
  public void record(String tenant, Entry entry, long sequenceNr) {
    recorded(tenant, entry, sequenceNr);
  }

  /**
   * What {@link #record} does, completing once every row is written or the last attempt failed
   * (tests wait on it to order their writes).
   */
  CompletionStage<Done> recorded(String tenant, Entry entry, long sequenceNr) {
    return write(tenant, entry, sequenceNr);
  }

  /**
   * Deletes the deadline at the current time in microseconds, which is above every sequence number
   * a session stamps its writes with: the row is gone for good, as it should be, since its session
   * has settled the approval and never writes it pending again. One attempt: a deadline left behind
   * is sent again later, and its session answers the same.
   */
  @Override
  public void forget(Deadline d) {
    forgotten(d)
        .whenComplete(
            (done, error) -> {
              if (error != null) {
                log.warn(
                    "could not remove the stale deadline of approval {} of session {}:{} ({}); it"
                        + " is sent to its session again later",
                    d.approvalId(),
                    d.tenant(),
                    d.sessionId(),
                    error.toString());
              }
            });
  }

  /** {@link #forget}, completing when the row is deleted (tests wait on it). */
  CompletionStage<Done> forgotten(Deadline d) {
    long nowMicros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    return session.executeWrite(
        "DELETE FROM "
            + deadlines
            + " USING TIMESTAMP ? WHERE bucket = ? AND expires_at = ? AND tenant = ? "
            + "AND approval_id = ?",
        nowMicros,
        bucketOf(d.approvalId()),
        d.expiresAt(),
        d.tenant(),
        d.approvalId());
  }

  private CompletionStage<Done> write(String tenant, Entry e, long sequenceNr) {
    return RetriedWrite.run(
        settings,
        () -> writeRows(tenant, e, sequenceNr),
        // names only: the entry's input and reason may carry what a tenant would not log
        (error, attempts) ->
            log.warn(
                "could not record approval {} of session {}:{} at event {} after {} attempts ({}); "
                    + "it is written again at the approval's next change or its session's recovery",
                e.approvalId(),
                tenant,
                e.sessionId(),
                sequenceNr,
                attempts,
                error.toString()));
  }

  private CompletionStage<Done> writeRows(String tenant, Entry e, long sequenceNr) {
    List<CompletableFuture<Done>> writes = new ArrayList<>();
    Object[] row = entryValues(tenant, e, sequenceNr);
    // a decided entry rewrites every column of its row, so its TTL covers the whole row
    String using =
        e.status() != Status.PENDING && !settings.decidedApprovalsKept().isZero()
            ? " USING TIMESTAMP ? AND TTL " + settings.decidedApprovalsKept().toSeconds()
            : " USING TIMESTAMP ?";
    writes.add(
        session
            .executeWrite(
                "INSERT INTO "
                    + byTenant
                    + " (tenant, "
                    + ENTRY_COLUMNS
                    + ") VALUES (?, "
                    + ENTRY_MARKERS
                    + ")"
                    + using,
                row)
            .toCompletableFuture());
    writes.add(
        session
            .executeWrite(
                "INSERT INTO "
                    + byStatus
                    + " (tenant, "
                    + ENTRY_COLUMNS
                    + ") VALUES (?, "
                    + ENTRY_MARKERS
                    + ")"
                    + using,
                row)
            .toCompletableFuture());
    if (e.status() == Status.PENDING) {
      if (e.expiresAt() != null) {
        writes.add(
            session
                .executeWrite(
                    "INSERT INTO "
                        + deadlines
                        + " (bucket, expires_at, tenant, approval_id, session_id) "
                        + "VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?",
                    bucketOf(e.approvalId()),
                    e.expiresAt(),
                    tenant,
                    e.approvalId(),
                    e.sessionId(),
                    sequenceNr)
                .toCompletableFuture());
      }
    } else {
      writes.add(
          session
              .executeWrite(
                  "DELETE FROM "
                      + byStatus
                      + " USING TIMESTAMP ? WHERE tenant = ? AND status = ? AND approval_id = ?",
                  sequenceNr,
                  tenant,
                  Status.PENDING.wire(),
                  e.approvalId())
              .toCompletableFuture());
      if (e.expiresAt() != null) {
        writes.add(
            session
                .executeWrite(
                    "DELETE FROM "
                        + deadlines
                        + " USING TIMESTAMP ? WHERE bucket = ? AND expires_at = ? AND tenant = ? "
                        + "AND approval_id = ?",
                    sequenceNr,
                    bucketOf(e.approvalId()),
                    e.expiresAt(),
                    tenant,
                    e.approvalId())
                .toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
        .thenApply(v -> Done.getInstance());
  }

  /** Values for {@code (tenant, ENTRY_COLUMNS) ... USING TIMESTAMP ?}; a null writes a null. */
  private static Object[] entryValues(String tenant, Entry e, long sequenceNr) {
    return new Object[] {
      tenant,
      e.approvalId(),
      e.sessionId(),
      e.turnId(),
      e.callId(),
      e.agent(),
      e.tool(),
      e.inputJson(),
      e.reason(),
      e.approvers() == null ? List.of() : List.copyOf(e.approvers()),
      e.kind().wire(),
      e.requestedBy(),
      e.requestedAt(),
      e.expiresAt(),
      e.status().wire(),
      e.decidedBy(),
      e.decidedAt(),
      sequenceNr
    };
  }

  @Override
  public CompletionStage<List<Entry>> list(
      String tenant, Optional<Status> status, int limit, Optional<String> after) {
    if (limit < 1) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("limit " + limit));
    }
    // one partition either way, read up to limit rows from after: no filtering, no full scan
    StringBuilder cql = new StringBuilder("SELECT ").append(ENTRY_COLUMNS).append(" FROM ");
    List<Object> values = new ArrayList<>();
    values.add(tenant);
    if (status.isPresent()) {
      cql.append(byStatus).append(" WHERE tenant = ? AND status = ?");
      values.add(status.get().wire());
    } else {
      cql.append(byTenant).append(" WHERE tenant = ?");
    }
    after.ifPresent(
        a -> {
          cql.append(" AND approval_id > ?");
          values.add(a);
        });
    cql.append(" LIMIT ?");
    values.add(limit);
    return session
        .selectAll(cql.toString(), values.toArray())
        .thenApply(rows -> rows.stream().map(CassandraApprovalQueue::entry).toList());
  }

  @Override
  public CompletionStage<List<Deadline>> due(Instant now, int limit) {
    if (limit < 1) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("limit " + limit));
    }
    // Each bucket is in deadline order, so the earliest `limit` overall are among the first
    // `limit` of each bucket: at most DEADLINE_BUCKETS * limit rows are read.
    List<CompletableFuture<List<Row>>> reads = new ArrayList<>();
    for (int bucket = 0; bucket < DEADLINE_BUCKETS; bucket++) {
      reads.add(
          session
              .selectAll(
                  "SELECT tenant, session_id, approval_id, expires_at FROM "
                      + deadlines
                      + " WHERE bucket = ? AND expires_at <= ? LIMIT ?",
                  bucket,
                  now,
                  limit)
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenApply(
            v ->
                reads.stream()
                    .flatMap(r -> r.join().stream())
                    .map(
                        r ->
                            new Deadline(
                                r.getString("tenant"),
                                r.getString("session_id"),
                                r.getString("approval_id"),
                                r.getInstant("expires_at")))
                    .sorted(
                        Comparator.comparing(Deadline::expiresAt)
                            .thenComparing(Deadline::tenant)
                            .thenComparing(Deadline::approvalId))
                    .limit(limit)
                    .toList());
  }

  /** String.hashCode is specified by the language, so every node puts an id in the same bucket. */
  static int bucketOf(String approvalId) {
    return Math.floorMod(approvalId.hashCode(), DEADLINE_BUCKETS);
  }

  private static Entry entry(Row r) {
    List<String> approvers = r.getList("approvers", String.class);
    return new Entry(
        r.getString("approval_id"),
        r.getString("session_id"),
        r.getString("turn_id"),
        r.getString("call_id"),
        r.getString("agent"),
        r.getString("tool"),
        r.getString("input_json"),
        r.getString("reason"),
        approvers == null ? List.of() : approvers,
        Kind.fromWire(r.getString("kind")),
        r.getString("requested_by"),
        r.getInstant("requested_at"),
        r.getInstant("expires_at"),
        Status.fromWire(r.getString("status")),
        r.getString("decided_by"),
        r.getInstant("decided_at"));
  }
}

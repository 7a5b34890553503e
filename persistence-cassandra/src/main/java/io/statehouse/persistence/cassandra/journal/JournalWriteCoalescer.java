package io.statehouse.persistence.cassandra.journal;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.api.core.servererrors.QueryValidationException;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sends the journal writes of many sessions in one Cassandra request (group commit).
 *
 * <p>Each persist of each session is one journal write: an insert of one row, or an unlogged batch
 * of a few rows of that session's partition. Cassandra spends most of a small write's CPU on the
 * request itself (decoding it, the socket, the reply), not on the rows (docs/benchmarks.md). So
 * while {@code max-in-flight} requests are out, the writes that arrive wait here, and the next free
 * slot sends all of them (up to {@code max-writes} and {@code max-bytes}) as one unlogged batch. A
 * write that finds a slot free goes at once and unchanged: one session alone pays nothing.
 *
 * <p>What a caller is told does not change. Each write's partition is applied atomically by
 * Cassandra, as before; a multi-partition unlogged batch is not atomic across partitions, and a
 * journal write never needed that. A caller's future completes only when Cassandra has acknowledged
 * the whole request, so every event is still durable before its effect. If the request fails, every
 * write in it fails, as each would have alone (a timeout leaves the outcome unknown; the session
 * recovers from the journal). If Cassandra refuses a combined request as such (a {@link
 * QueryValidationException}, for instance a batch above its {@code batch_size_fail_threshold}),
 * nothing of it was applied, and each write is sent again on its own.
 *
 * <p>The wait is bounded. At most {@code max-waiting} writes wait: one more fails at once, as the
 * driver refuses a request when a connection has too many in flight. A write that waited {@code
 * max-wait} without a free slot (Cassandra not answering) fails without being sent. Either failure
 * leaves nothing in Cassandra; the session's persist fails and it recovers from the journal, and
 * the plugin's recovery of a session waits for that session's write in progress to end.
 */
public final class JournalWriteCoalescer {

  /**
   * @param enabled off: every statement goes to the driver unchanged
   * @param maxInFlight combined requests out at a time; writes wait while all are out
   * @param maxWrites writes (partitions) in one request at most
   * @param maxBytes a request's size at most, as the driver encodes it; keep it below the cluster's
   *     {@code batch_size_fail_threshold}
   * @param maxWaiting writes waiting for a slot at most; one more fails at once
   * @param maxWait a write that waited this long for a slot fails without being sent
   */
  public record Settings(
      boolean enabled,
      int maxInFlight,
      int maxWrites,
      int maxBytes,
      int maxWaiting,
      Duration maxWait) {

    public Settings {
      if (maxInFlight < 1 || maxWrites < 1 || maxBytes < 1 || maxWaiting < 1) {
        throw new IllegalArgumentException(
            "statehouse.journal.coalesce: max-in-flight, max-writes, max-bytes and max-waiting"
                + " must be at least 1");
      }
      if (maxWait.isNegative() || maxWait.isZero()) {
        throw new IllegalArgumentException(
            "statehouse.journal.coalesce.max-wait must be above 0, was " + maxWait);
      }
    }

    public static Settings fromConfig(Config config) {
      Config c = config.getConfig("statehouse.journal.coalesce");
      return new Settings(
          c.getBoolean("enabled"),
          c.getInt("max-in-flight"),
          c.getInt("max-writes"),
          Math.toIntExact(c.getBytes("max-bytes")),
          c.getInt("max-waiting"),
          c.getDuration("max-wait"));
    }
  }

  /** A journal write failed before it was sent: nothing of it reached Cassandra. */
  public static final class NotSentException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotSentException(String message) {
      super(message, null, false, false);
    }
  }

  private record Pending(
      Statement<?> statement,
      List<BatchableStatement<?>> rows,
      int bytes,
      long since,
      CompletableFuture<AsyncResultSet> result) {}

  private final CqlSession driver;
  private final Settings settings;
  private final String writeProfile;
  private final String journalTable;
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
  private int inFlight;
  private final LongAdder requests = new LongAdder();
  private final LongAdder writes = new LongAdder();

  /**
   * @param driver the session the requests go to
   * @param writeProfile the journal's write profile: only statements run with it are combined
   * @param journalTable {@code keyspace.table} of the journal's messages: only inserts into it are
   *     combined
   */
  public JournalWriteCoalescer(
      CqlSession driver, Settings settings, String writeProfile, String journalTable) {
    this.driver = driver;
    this.settings = settings;
    this.writeProfile = writeProfile;
    this.journalTable = journalTable;
  }

  /** Requests sent for journal writes, combined or not. */
  public long requests() {
    return requests.sum();
  }

  /**
   * Journal writes sent. {@code writes() / requests()} is how many a request carried on average.
   */
  public long writes() {
    return writes.sum();
  }

  /**
   * The rows of a journal write this coalescer may combine with others, or null: a statement with
   * its own consistency, timestamp, timeout, tracing or target node, or anything but inserts into
   * the journal's table, goes to the driver unchanged.
   */
  List<BatchableStatement<?>> journalRows(Statement<?> statement) {
    if (!settings.enabled()
        || !writeProfile.equals(statement.getExecutionProfileName())
        || statement.getExecutionProfile() != null
        || statement.getConsistencyLevel() != null
        || statement.getSerialConsistencyLevel() != null
        || statement.getTimeout() != null
        || statement.getQueryTimestamp() != Statement.NO_DEFAULT_TIMESTAMP
        || statement.isTracing()
        || statement.getNode() != null) {
      return null;
    }
    if (statement instanceof BoundStatement bound) {
      return isJournalInsert(bound) ? List.of(bound) : null;
    }
    if (statement instanceof BatchStatement batch && batch.getBatchType() == BatchType.UNLOGGED) {
      List<BatchableStatement<?>> rows = new ArrayList<>(batch.size());
      for (BatchableStatement<?> row : batch) {
        if (!(row instanceof BoundStatement bound) || !isJournalInsert(bound)) {
          return null;
        }
        rows.add(row);
      }
      return rows.isEmpty() ? null : rows;
    }
    return null;
  }

  private boolean isJournalInsert(BoundStatement bound) {
    String query = bound.getPreparedStatement().getQuery();
    int i = 0;
    while (i < query.length() && Character.isWhitespace(query.charAt(i))) {
      i++;
    }
    String prefix = "INSERT INTO ";
    return query.regionMatches(true, i, prefix, 0, prefix.length())
        && query.regionMatches(true, i + prefix.length(), journalTable, 0, journalTable.length())
        && query.length() > i + prefix.length() + journalTable.length()
        && !Character.isJavaIdentifierPart(
            query.charAt(i + prefix.length() + journalTable.length()));
  }

  /**
   * Sends a journal write, alone or with others.
   *
   * @param rows what {@link #journalRows} returned for it (not null)
   */
  CompletionStage<AsyncResultSet> submit(Statement<?> statement, List<BatchableStatement<?>> rows) {
    Pending pending =
        new Pending(
            statement,
            rows,
            statement.computeSizeInBytes(driver.getContext()),
            System.nanoTime(),
            new CompletableFuture<>());
    List<Pending> group;
    List<Pending> expired = new ArrayList<>(0);
    synchronized (this) {
      if (waiting.size() >= settings.maxWaiting()) {
        pending
            .result()
            .completeExceptionally(
                new NotSentException(
                    "journal write refused: "
                        + settings.maxWaiting()
                        + " writes already wait for Cassandra"));
        return pending.result();
      }
      waiting.add(pending);
      group = takeGroup(expired);
    }
    failUnsent(expired);
    if (group != null) {
      send(group);
    }
    return pending.result();
  }

  /**
   * The next request's writes if a slot is free, else null. Writes that waited too long go to
   * {@code expired}, to be failed outside the lock. Holds the lock.
   */
  private List<Pending> takeGroup(List<Pending> expired) {
    if (inFlight >= settings.maxInFlight()) {
      return null;
    }
    long now = System.nanoTime();
    while (!waiting.isEmpty() && now - waiting.peek().since() > settings.maxWait().toNanos()) {
      expired.add(waiting.poll());
    }
    if (waiting.isEmpty()) {
      return null;
    }
    inFlight++;
    List<Pending> group = new ArrayList<>();
    int bytes = 0;
    while (!waiting.isEmpty() && group.size() < settings.maxWrites()) {
      Pending next = waiting.peek();
      if (!group.isEmpty() && bytes + next.bytes() > settings.maxBytes()) {
        break;
      }
      group.add(waiting.poll());
      bytes += next.bytes();
    }
    return group;
  }

  private void send(List<Pending> group) {
    requests.increment();
    writes.add(group.size());
    CompletionStage<AsyncResultSet> sent;
    try {
      sent = driver.executeAsync(group.size() == 1 ? group.get(0).statement() : combined(group));
    } catch (RuntimeException e) {
      // the driver fails a request through its future; should it throw instead, the slot must
      // still be given back, or every later write would wait for a slot that never frees
      done(group, null, e);
      return;
    }
    sent.whenComplete((rs, error) -> done(group, rs, error));
  }

  private BatchStatement combined(List<Pending> group) {
    List<BatchableStatement<?>> rows = new ArrayList<>();
    for (Pending p : group) {
      rows.addAll(p.rows());
    }
    return BatchStatement.builder(BatchType.UNLOGGED)
        .addStatements(rows)
        .setExecutionProfileName(writeProfile)
        .build();
  }

  private void failUnsent(List<Pending> expired) {
    for (Pending p : expired) {
      p.result()
          .completeExceptionally(
              new NotSentException(
                  "journal write not sent: no request slot for " + settings.maxWait()));
    }
  }

  private void done(List<Pending> group, AsyncResultSet rs, Throwable error) {
    List<Pending> next;
    List<Pending> expired = new ArrayList<>(0);
    synchronized (this) {
      inFlight--;
      next = takeGroup(expired);
    }
    failUnsent(expired);
    if (next != null) {
      send(next);
    }
    Throwable cause = unwrap(error);
    if (cause instanceof QueryValidationException && group.size() > 1) {
      // refused before anything was applied: each write on its own, as without this class
      for (Pending p : group) {
        try {
          driver.executeAsync(p.statement()).whenComplete((one, e) -> complete(p, one, e));
        } catch (RuntimeException e) {
          complete(p, null, e);
        }
      }
      return;
    }
    for (Pending p : group) {
      complete(p, rs, error);
    }
  }

  private static void complete(Pending p, AsyncResultSet rs, Throwable error) {
    if (error != null) {
      p.result().completeExceptionally(unwrap(error));
    } else {
      p.result().complete(rs);
    }
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}

package io.statehouse.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.statehouse.api.it.Api;
import io.statehouse.api.it.ItKeys;
import io.statehouse.runtime.session.SessionId;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code history=N}: whether a turn costs more as its session grows. One session runs {@code N}
 * turns back to back; the early turns are set against the last ones: the client's latency (median
 * of ten turns around the 5th and of the last ten), the node's and Cassandra's CPU per turn over
 * the first and the last 50 turns, and the size of the session's latest snapshot as the history
 * grows.
 */
final class HistoryCost {
  private static final int WINDOW = 50;

  private HistoryCost() {}

  static List<String> run(
      Api api,
      String agent,
      int turns,
      CqlSession cql,
      String snapshotKeyspace,
      long nodePid,
      long cassandraPid) {
    if (turns < 2 * WINDOW) {
      throw new IllegalArgumentException("history= needs at least " + 2 * WINDOW + " turns");
    }
    String id = api.openSession(ItKeys.ACME_ALICE, agent);
    String pid = new SessionId("acme", id).persistenceId().id();
    long[] latency = new long[turns];
    long earlyNode = 0;
    long earlyCassandra = 0;
    long nodeTicks = CpuTimes.ticks(nodePid);
    long cassandraTicks = CpuTimes.ticks(cassandraPid);
    List<String> out = new ArrayList<>();
    List<String> snapshots = new ArrayList<>();
    for (int i = 0; i < turns; i++) {
      if (i == turns - WINDOW) {
        nodeTicks = CpuTimes.ticks(nodePid);
        cassandraTicks = CpuTimes.ticks(cassandraPid);
      }
      latency[i] = TurnSteps.completedTurn(api, id, "turn " + i);
      if (i == WINDOW - 1) {
        earlyNode = CpuTimes.ticks(nodePid) - nodeTicks;
        earlyCassandra = CpuTimes.ticks(cassandraPid) - cassandraTicks;
      }
      int done = i + 1;
      if ((done == 25 || done == 100 || done == 250) && done <= turns - WINDOW) {
        snapshots.add(done + " turns: " + latestSnapshot(cql, snapshotKeyspace, pid));
      }
    }
    long lateNode = CpuTimes.ticks(nodePid) - nodeTicks;
    long lateCassandra = CpuTimes.ticks(cassandraPid) - cassandraTicks;
    snapshots.add(turns + " turns: " + latestSnapshot(cql, snapshotKeyspace, pid));
    double early = medianMs(latency, 0, 10);
    double late = medianMs(latency, turns - 10, turns);
    JsonContext context = JsonContext.of(api, id);
    out.add(
        String.format(
            "latency, median of turns 1-10: %.2f ms; of turns %d-%d: %.2f ms (%.2fx)",
            early, turns - 9, turns, late, late / early));
    out.add(
        String.format(
            "CPU per turn over turns 1-%d: node %.2f ms, Cassandra %.2f ms; over turns %d-%d: node"
                + " %.2f ms (%.2fx), Cassandra %.2f ms (%.2fx)",
            WINDOW,
            ms(earlyNode),
            ms(earlyCassandra),
            turns - WINDOW + 1,
            turns,
            ms(lateNode),
            ms(lateNode) / ms(earlyNode),
            ms(lateCassandra),
            ms(lateCassandra) / ms(earlyCassandra)));
    out.add("latest snapshot after " + String.join("; ", snapshots));
    out.add(
        "working context at the end: "
            + context.messages()
            + " messages, "
            + context.earlier()
            + " earlier ones in the journal only");
    return out;
  }

  /** The session's view: how many messages its working context holds, how many came before. */
  private record JsonContext(int messages, long earlier) {
    static JsonContext of(Api api, String id) {
      var body = api.get("/v1/sessions/" + id, ItKeys.ACME_ALICE).body();
      return new JsonContext(body.path("messages").size(), body.path("earlierMessages").asLong());
    }
  }

  private static String latestSnapshot(CqlSession cql, String keyspace, String pid) {
    Row row =
        cql.execute(
                "SELECT sequence_nr, snapshot FROM "
                    + keyspace
                    + ".snapshots WHERE persistence_id = ? ORDER BY sequence_nr DESC LIMIT 1",
                pid)
            .one();
    if (row == null) {
      return "none";
    }
    var blob = row.getByteBuffer("snapshot");
    return String.format(
        "%.1f KiB at event %d", (blob == null ? 0 : blob.remaining()) / 1024.0, row.getLong(0));
  }

  private static double ms(long ticks) {
    return ticks * CpuTimes.CLOCK_TICK_MS / WINDOW;
  }

  private static double medianMs(long[] latency, int from, int to) {
    List<Long> window = new ArrayList<>();
    for (int i = from; i < to; i++) {
      window.add(latency[i]);
    }
    return new Stats(window).percentileMs(50);
  }
}

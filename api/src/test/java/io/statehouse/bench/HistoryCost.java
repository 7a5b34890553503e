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
  private static final int EARLY_TURNS = 10;
  private static final int ROUNDS = 4;

  private HistoryCost() {}

  static List<String> run(
      Api api,
      String agent,
      int turns,
      CqlSession cql,
      String snapshotKeyspace,
      long nodePid,
      long cassandraPid) {
    if (turns < 1) {
      throw new IllegalArgumentException("history= needs a number of turns");
    }
    String id = api.openSession(ItKeys.ACME_ALICE, agent);
    String pid = new SessionId("acme", id).persistenceId().id();
    List<String> out = new ArrayList<>();
    List<String> snapshots = new ArrayList<>();
    for (int i = 0; i < turns; i++) {
      TurnSteps.completedTurn(api, id, "turn " + i);
      int done = i + 1;
      if (done == 25 || done == 100 || done == 250 || done == turns) {
        snapshots.add(done + " turns: " + latestSnapshot(cql, snapshotKeyspace, pid));
      }
    }
    // Early turns (fresh sessions' 1st to 10th) and late ones (the long session's next), in
    // alternating rounds: a window of half a second on this machine is at the mercy of a flush or
    // a collection, and alternating spreads those over both samples.
    List<Long> early = new ArrayList<>();
    List<Long> late = new ArrayList<>();
    long[] earlyCpu = new long[2];
    long[] lateCpu = new long[2];
    int longTurns = turns;
    for (int round = 0; round < ROUNDS; round++) {
      // opened before the window: creating a session is not a turn
      List<String> fresh = new ArrayList<>();
      for (int s = 0; s < WINDOW / EARLY_TURNS; s++) {
        fresh.add(api.openSession(ItKeys.ACME_ALICE, agent));
      }
      long node = CpuTimes.ticks(nodePid);
      long cassandra = CpuTimes.ticks(cassandraPid);
      for (String f : fresh) {
        for (int i = 0; i < EARLY_TURNS; i++) {
          early.add(TurnSteps.completedTurn(api, f, "turn " + i));
        }
      }
      earlyCpu[0] += CpuTimes.ticks(nodePid) - node;
      earlyCpu[1] += CpuTimes.ticks(cassandraPid) - cassandra;
      node = CpuTimes.ticks(nodePid);
      cassandra = CpuTimes.ticks(cassandraPid);
      for (int i = 0; i < WINDOW; i++) {
        late.add(TurnSteps.completedTurn(api, id, "turn " + longTurns++));
      }
      lateCpu[0] += CpuTimes.ticks(nodePid) - node;
      lateCpu[1] += CpuTimes.ticks(cassandraPid) - cassandra;
    }
    double earlyMs = new Stats(early).percentileMs(50);
    double lateMs = new Stats(late).percentileMs(50);
    double samples = (double) ROUNDS * WINDOW;
    out.add(
        String.format(
            "latency p50: turns 1-%d of fresh sessions %.2f ms; turns %d-%d of the long session"
                + " %.2f ms (%.2fx)",
            EARLY_TURNS, earlyMs, turns + 1, longTurns, lateMs, lateMs / earlyMs));
    out.add(
        String.format(
            "CPU per turn, early / late: node %.2f / %.2f ms (%.2fx), Cassandra %.2f / %.2f ms"
                + " (%.2fx); %d rounds of %d early and %d late turns, alternating",
            cpuMs(earlyCpu[0], samples),
            cpuMs(lateCpu[0], samples),
            (double) lateCpu[0] / earlyCpu[0],
            cpuMs(earlyCpu[1], samples),
            cpuMs(lateCpu[1], samples),
            (double) lateCpu[1] / earlyCpu[1],
            ROUNDS,
            WINDOW,
            WINDOW));
    out.add("latest snapshot after " + String.join("; ", snapshots));
    WorkingContext context = WorkingContext.of(api, id);
    out.add(
        "working context at the end: "
            + context.messages()
            + " messages, "
            + context.earlier()
            + " earlier ones in the journal only");
    return out;
  }

  /** The session's view: how many messages its working context holds, how many came before. */
  private record WorkingContext(int messages, long earlier) {
    static WorkingContext of(Api api, String id) {
      var body = api.get("/v1/sessions/" + id, ItKeys.ACME_ALICE).body();
      return new WorkingContext(
          body.path("messages").size(), body.path("earlierMessages").asLong());
    }
  }

  private static String latestSnapshot(CqlSession cql, String keyspace, String pid) {
    Row row =
        cql.execute(
                "SELECT sequence_nr, snapshot, snapshot_data FROM "
                    + keyspace
                    + ".snapshots WHERE persistence_id = ? ORDER BY sequence_nr DESC LIMIT 1",
                pid)
            .one();
    if (row == null) {
      return "none";
    }
    // the plugin stores a snapshot in snapshot_data (snapshot is its older column)
    int bytes = 0;
    for (String column : new String[] {"snapshot", "snapshot_data"}) {
      var blob = row.getByteBuffer(column);
      bytes += blob == null ? 0 : blob.remaining();
    }
    return String.format("%.1f KiB at event %d", bytes / 1024.0, row.getLong(0));
  }

  private static double cpuMs(long ticks, double turns) {
    return ticks * CpuTimes.CLOCK_TICK_MS / turns;
  }
}

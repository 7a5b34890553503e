package io.statehouse.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import io.statehouse.api.StatehouseNode;
import io.statehouse.api.it.Api;
import io.statehouse.api.it.NodeConfig;
import io.statehouse.persistence.cassandra.launcher.CommitLogSync;
import io.statehouse.persistence.cassandra.launcher.RunningCassandra;
import io.statehouse.runtime.testing.LocalHttpServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What durability costs: the same plain writes and turns on one fresh Cassandra per commit-log
 * mode, side by side. Each Cassandra gets turns for {@code cassandraWarmup} before anything is
 * measured, so that no mode is measured on a cold Cassandra JIT; the node JVM is the harness's,
 * already warm. Modes run one after another, in the order given.
 *
 * <p>Arguments: {@code commitlog=batch,group,periodic} (group's window or periodic's period in ms
 * after a colon, e.g. {@code group:5}; by default 2 ms, and the 10000 ms the embedded Cassandra
 * used before batch became its default; {@code none} skips the comparison), {@code
 * commitlogSessions=1,16} and {@code commitlogWarmup=60} (seconds).
 */
record CommitLogComparison(
    List<CommitLogSync> modes, List<Integer> sessionCounts, Duration cassandraWarmup) {
  private static final Duration GROUP_WINDOW = Duration.ofMillis(2);
  private static final Duration PERIODIC_PERIOD = Duration.ofMillis(10_000);

  /** Sessions of the warm-up load, as in the harness's JIT warm-up. */
  private static final int WARMUP_SESSIONS = 16;

  /** A turn waits for this many journal writes, one after another (docs/benchmarks.md). */
  private static final int WRITES_PER_TURN = 4;

  /** One mode's figures; {@code turns} in the order of the session counts. */
  private record Measured(CommitLogSync mode, Stats plain, List<TurnLoad.Result> turns) {}

  /** Read before the harness starts, so that a mistyped mode fails at once. */
  static CommitLogComparison fromArgs(String[] args) {
    String modes = StatehouseBench.stringArg(args, "commitlog", "batch,group,periodic");
    return new CommitLogComparison(
        modes.equals("none")
            ? List.of()
            : Arrays.stream(modes.split(",")).map(m -> parse(m.trim())).toList(),
        Arrays.stream(StatehouseBench.stringArg(args, "commitlogSessions", "1,16").split(","))
            .map(n -> Integer.parseInt(n.trim()))
            .toList(),
        Duration.ofSeconds(StatehouseBench.intArg(args, "commitlogWarmup", 60)));
  }

  /** {@code batch}, {@code group[:ms]} or {@code periodic[:ms]}. */
  static CommitLogSync parse(String arg) {
    String[] parts = arg.split(":", 2);
    CommitLogSync.Mode mode;
    try {
      mode = CommitLogSync.Mode.valueOf(parts[0].toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "commitlog= takes batch, group[:ms] or periodic[:ms], got '" + arg + "'", e);
    }
    if (parts.length == 2 && mode == CommitLogSync.Mode.BATCH) {
      throw new IllegalArgumentException("batch takes no window, got '" + arg + "'");
    }
    Duration window =
        parts.length == 2
            ? Duration.ofMillis(Long.parseLong(parts[1]))
            : switch (mode) {
              case BATCH -> Duration.ZERO;
              case GROUP -> GROUP_WINDOW;
              case PERIODIC -> PERIODIC_PERIOD;
            };
    return new CommitLogSync(mode, window);
  }

  /**
   * Measures every mode and returns the report lines: each run as the harness prints it, then the
   * table and the cost of each durable mode relative to periodic. {@code writeBytes} and {@code
   * plainWrites} are the size and number of plain writes of the harness's own plain-write figure.
   */
  List<String> run(Duration warmup, Duration duration, int writeBytes, int plainWrites)
      throws Exception {
    if (modes.isEmpty()) {
      return List.of();
    }
    List<String> lines = new ArrayList<>();
    lines.add(
        String.format(
            "-- what durability costs: a fresh Cassandra per commit-log mode, %d s of turns (N=%d)"
                + " on it first; %d sequential plain writes of %d B (QUORUM), then turns",
            cassandraWarmup.toSeconds(), WARMUP_SESSIONS, plainWrites, writeBytes));
    List<Measured> all = new ArrayList<>();
    for (CommitLogSync mode : modes) {
      Measured m = measure(mode, warmup, duration, writeBytes, plainWrites);
      all.add(m);
      for (TurnLoad.Result r : m.turns()) {
        lines.add(StatehouseBench.withMode(mode, StatehouseBench.turnLine("turns", r)));
      }
    }
    lines.addAll(table(all));
    lines.addAll(costs(all));
    return lines;
  }

  private Measured measure(
      CommitLogSync mode, Duration warmup, Duration duration, int writeBytes, int plainWrites)
      throws Exception {
    String dir = "bench-cassandra-" + mode.toString().replace(' ', '-');
    try (RunningCassandra cassandra = StatehouseBench.startCassandra(dir, mode);
        LocalHttpServer tools = StatehouseBench.echoTools();
        CqlSession cql = StatehouseBench.cql(cassandra);
        StatehouseNode node =
            StatehouseNode.start(
                NodeConfig.full(StatehouseBench.keyspaces(cassandra, "bench_cl"), 0, ""))) {
      requireServerMode(cql, mode);
      Api api = StatehouseBench.prepare(node, tools);
      long pid = cassandra.pid();
      TurnLoad.run(
          api, StatehouseBench.AGENT, WARMUP_SESSIONS, Duration.ZERO, cassandraWarmup, pid);
      Stats plain = PlainWrites.run(cql, writeBytes, 200, plainWrites, false);
      List<TurnLoad.Result> turns = new ArrayList<>();
      for (int n : sessionCounts) {
        turns.add(TurnLoad.run(api, StatehouseBench.AGENT, n, warmup, duration, pid));
      }
      return new Measured(mode, plain, turns);
    }
  }

  /** Guards the labels: figures are filed under the mode the server says it runs. */
  private static void requireServerMode(CqlSession cql, CommitLogSync mode) {
    String running =
        Optional.ofNullable(
                cql.execute("SELECT value FROM system_views.settings WHERE name = 'commitlog_sync'")
                    .one())
            .map(row -> row.getString("value"))
            .orElse("unknown");
    if (!running.equalsIgnoreCase(mode.mode().yaml())) {
      throw new IllegalStateException(
          "Cassandra started for " + mode + " runs commitlog_sync " + running);
    }
  }

  /** Markdown: mode | plain write p50 / p99 | turn p50 / p99 at each N | turns/s at each N. */
  private List<String> table(List<Measured> all) {
    String counts = sessionCounts.stream().map(String::valueOf).collect(Collectors.joining(" / "));
    StringBuilder head = new StringBuilder("| commit log | plain write p50 / p99 |");
    sessionCounts.forEach(n -> head.append(" turn N=").append(n).append(" p50 / p99 |"));
    List<String> lines = new ArrayList<>();
    lines.add(head + " turns/s at N=" + counts + " |");
    lines.add("|---|---|" + "---|".repeat(sessionCounts.size()) + "---|");
    for (Measured m : all) {
      StringBuilder row = new StringBuilder("| " + m.mode() + " | " + p50p99(m.plain()) + " |");
      m.turns().forEach(r -> row.append(' ').append(p50p99(r.latency())).append(" |"));
      lines.add(
          row
              + m.turns().stream()
                  .map(r -> String.format(" %.1f", r.turnsPerSecond()))
                  .collect(Collectors.joining(" /"))
              + " |");
    }
    return lines;
  }

  /** Each durable mode against the first periodic one, as differences of p50s. */
  private static List<String> costs(List<Measured> all) {
    Optional<Measured> periodic = all.stream().filter(m -> !m.mode().durable()).findFirst();
    if (periodic.isEmpty()) {
      return List.of("(no periodic mode measured, so no cost relative to it)");
    }
    Measured base = periodic.get();
    List<String> lines = new ArrayList<>();
    for (Measured m : all.stream().filter(m -> m.mode().durable()).toList()) {
      double perWrite = m.plain().percentileMs(50) - base.plain().percentileMs(50);
      String line =
          String.format(
              "cost relative to [%s], p50 differences: %+.2f ms per plain write, x%d journal"
                  + " writes = %+.2f ms a turn; measured per turn: ",
              base.mode(), perWrite, WRITES_PER_TURN, WRITES_PER_TURN * perWrite);
      List<String> perTurn = new ArrayList<>();
      for (int i = 0; i < m.turns().size(); i++) {
        TurnLoad.Result turn = m.turns().get(i);
        double diff =
            turn.latency().percentileMs(50) - base.turns().get(i).latency().percentileMs(50);
        perTurn.add(String.format("%+.2f ms at N=%d", diff, turn.sessions()));
      }
      lines.add(StatehouseBench.withMode(m.mode(), line + String.join(", ", perTurn)));
    }
    return lines;
  }

  private static String p50p99(Stats s) {
    return String.format("%.2f / %.2f ms", s.percentileMs(50), s.percentileMs(99));
  }
}

package io.statehouse.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.OptionsMap;
import com.datastax.oss.driver.api.core.config.TypedDriverOption;
import com.typesafe.config.ConfigFactory;
import io.statehouse.api.StatehouseNode;
import io.statehouse.api.it.Api;
import io.statehouse.api.it.Defs;
import io.statehouse.api.it.ItKeys;
import io.statehouse.api.it.NodeConfig;
import io.statehouse.persistence.cassandra.launcher.CassandraLauncher;
import io.statehouse.persistence.cassandra.launcher.CassandraSettings;
import io.statehouse.persistence.cassandra.launcher.CommitLogSync;
import io.statehouse.persistence.cassandra.launcher.FreePorts;
import io.statehouse.persistence.cassandra.launcher.RunningCassandra;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.testing.LocalHttpServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The benchmark harness: one real Cassandra, in-process nodes, real HTTP in and out. Prints every
 * figure of docs/benchmarks.md. Run with
 *
 * <pre>mvn -B -Pbench -DskipTests verify -pl api -am</pre>
 *
 * Arguments ({@code -Dbench.args="…"}): {@code duration=30} and {@code warmup=5} seconds per load
 * run, {@code sessions=1,16,64}, {@code heapSessions=1000} (0 skips recovery and heap), and {@code
 * jitWarmup=180}: seconds of load before anything is measured. On two cores the JIT compiler keeps
 * a core busy for minutes after start (Pekko, Jackson, the driver and HTTP make a large hot set); a
 * node that has run for a while is what the figures describe. The last section, {@link
 * CommitLogComparison}, takes {@code commitlog=batch,group,periodic}, {@code
 * commitlogSessions=1,16} and {@code commitlogWarmup=60}. {@code policy=on} adds {@link PolicyCost}
 * (before Cassandra starts); {@code policy=only} runs just that. {@code models=on} adds {@link
 * ModelPathBench}: the Bedrock path against the scripted model, and prompt caching's saving; {@code
 * models=only} runs just that (after the JIT warm-up). {@code streams=on|only} does the same with
 * {@link StreamBench}: live-stream delta latency and idle WebSockets per node ({@code
 * streamWatchers=1,1000 streamTurns=20 streamPieces=200 streamEvery=5 connections=20000
 * connSessions=100}); {@code telemetry=only} with {@link TelemetryCost}: the turn load with metrics
 * and traces off, metrics on, both on; {@code cluster=only} with {@link ClusterBench}: 1 against 3
 * node JVMs; {@code teams=on|only} with {@link TeamBench}: team runs per second, their latency and
 * the journal writes per member turn ({@code teamRuns=1,16,64}).
 *
 * <p>All sections but the last run on one Cassandra with the configured commit-log mode ({@code
 * statehouse.cassandra.embedded.commitlog-sync}, batch unless overridden, e.g. with {@code
 * -Dbench.jvm=-Dstatehouse.cassandra.embedded.commitlog-sync=periodic}). Every figure is printed
 * after the mode it was measured with.
 */
public final class StatehouseBench {
  static final String AGENT = "bench";

  private StatehouseBench() {}

  public static void main(String[] args) throws Exception {
    Duration duration = Duration.ofSeconds(intArg(args, "duration", 20));
    Duration warmup = Duration.ofSeconds(intArg(args, "warmup", 5));
    int heapSessions = intArg(args, "heapSessions", 1000);
    List<Integer> sessionCounts = ints(stringArg(args, "sessions", "1,16,64"));

    // policy=on adds what policies and identity tokens cost per tool call (pure CPU, measured
    // before Cassandra starts); policy=only measures just that and stops
    String policy = stringArg(args, "policy", "off");
    if (policy.equals("only")) {
      System.out.println("\n==== Statehouse benchmark: policies ====");
      PolicyCost.run(200_000, 100_000).forEach(line -> System.out.println("  " + line));
      System.out.println("  " + IdentityCost.run(5_000, 5_000));
      System.exit(0);
    }
    if (only(
        args,
        "models",
        (cassandra, tools, figure) ->
            ModelPathBench.run(
                keyspaces(cassandra, "bench_models"),
                tools,
                sessionCounts,
                warmup,
                duration,
                cassandra.pid(),
                figure))) {
      return;
    }
    List<Integer> teamRuns = ints(stringArg(args, "teamRuns", "1,16,64"));
    if (only(
        args,
        "teams",
        (cassandra, tools, figure) ->
            TeamBench.run(
                keyspaces(cassandra, "bench_teams"),
                teamRuns,
                warmup,
                duration,
                cassandra.pid(),
                figure))) {
      return;
    }
    if (only(
        args,
        "telemetry",
        (cassandra, tools, figure) ->
            TelemetryCost.run(
                cassandra,
                tools,
                sessionCounts,
                intArg(args, "rounds", 2),
                warmup,
                duration,
                figure))) {
      return;
    }
    if (stringArg(args, "isolated", "off").equals("only")) {
      isolatedOnly(args, warmup, duration);
      System.exit(0);
    }
    if (stringArg(args, "cluster", "off").equals("only")) {
      clusterOnly(args, warmup, duration);
      System.exit(0);
    }
    if (only(
        args,
        "streams",
        (cassandra, tools, figure) ->
            StreamBench.run(cassandra, StreamBench.Params.fromArgs(args), figure))) {
      return;
    }
    CommitLogComparison comparison = CommitLogComparison.fromArgs(args);
    CommitLogSync commitLog = CassandraSettings.fromConfig(ConfigFactory.load()).commitLog();
    List<String> report = new ArrayList<>();
    report.add("command: " + commandLine(args));
    report.add(
        "cores "
            + Runtime.getRuntime().availableProcessors()
            + ", JDK "
            + System.getProperty("java.version")
            + ", load runs of "
            + duration.toSeconds()
            + " s after "
            + warmup.toSeconds()
            + " s warm-up, "
            + intArg(args, "jitWarmup", 180)
            + " s of JIT warm-up first; each figure is labelled with the Cassandra commit-log mode"
            + " it was measured with");
    if (policy.equals("on")) {
      report.addAll(PolicyCost.run(200_000, 100_000));
      report.add(IdentityCost.run(5_000, 5_000));
    }
    // every figure of the sections below comes from this Cassandra
    Consumer<String> figure = line -> report.add(withMode(commitLog, line));
    double eventBytes;
    int journalWritesSingle = 2000;
    try (RunningCassandra cassandra = startCassandra("bench-cassandra", commitLog);
        LocalHttpServer tools = echoTools();
        CqlSession cql = cql(cassandra)) {

      // (a) turns over HTTP with the default settings
      double p50Single = Double.NaN;
      String samplePid;
      CassandraTestKeyspaces ksA = keyspaces(cassandra, "bench_a");
      try (StatehouseNode node = StatehouseNode.start(NodeConfig.full(ksA, 0, ""))) {
        Api api = prepare(node, tools);
        // JIT-compile both JVMs' hot paths before anything is measured (runs are in one JVM)
        TurnLoad.run(
            api,
            AGENT,
            16,
            Duration.ZERO,
            Duration.ofSeconds(intArg(args, "jitWarmup", 180)),
            cassandra.pid());
        for (int n : sessionCounts) {
          TurnLoad.Result r = TurnLoad.run(api, AGENT, n, warmup, duration, cassandra.pid());
          figure.accept(turnLine("default (events-by-tag off)", r));
          if (n == 1) {
            p50Single = r.latency().percentileMs(50);
            journalWritesSingle = r.turns() * 4;
          }
        }
        String id = api.openSession(ItKeys.ACME_ALICE, AGENT);
        api.post(
            "/v1/sessions/" + id + "/messages", ItKeys.ACME_ALICE, "{\"content\":\"measure me\"}");
        samplePid = new SessionId("acme", id).persistenceId().id();
        eventBytes = PlainWrites.averageEventBytes(cql, ksA.journalKeyspace(), samplePid);
        int writeBytes = (int) Math.round(eventBytes * 2);
        figure.accept("-- what a turn is made of, each part alone (p50 / p99, sequential):");
        figure.accept(
            partLine(
                "HTTP round trip to the node, no work", Decomposition.httpNoop(api, 200, 1000)));
        figure.accept(
            partLine(
                "tool call (HTTP, tool answers at once)",
                Decomposition.toolCall(tools.url("/echo"), 200, 1000)));
        figure.accept(
            partLine(
                "Pekko persist of one " + writeBytes + " B event",
                Decomposition.persist(node.system(), writeBytes, 100, 1000)));
      }

      // the plugin's default (events-by-tag on), and what a tagged write costs, measured on one
      // node
      try (StatehouseNode node =
          StatehouseNode.start(
              NodeConfig.full(
                  keyspaces(cassandra, "bench_tags"),
                  0,
                  "pekko.persistence.cassandra.events-by-tag.enabled = on"))) {
        figure.accept(
            turnLine(
                "events-by-tag on (plugin default)",
                TurnLoad.run(prepare(node, tools), AGENT, 1, warmup, duration, cassandra.pid())));
        Stats[] ab =
            Decomposition.persistTaggedVersusUntagged(
                node.system(), (int) Math.round(eventBytes * 2), 11, 200);
        figure.accept(partLine("  persist, events-by-tag on, untagged event", ab[0]));
        figure.accept(partLine("  persist, events-by-tag on, tagged event", ab[1]));
      }
      // the default once more, last: how much of a difference between runs is run order (JIT,
      // compaction)
      try (StatehouseNode node =
          StatehouseNode.start(NodeConfig.full(keyspaces(cassandra, "bench_again"), 0, ""))) {
        figure.accept(
            turnLine(
                "default again, run last",
                TurnLoad.run(prepare(node, tools), AGENT, 1, warmup, duration, cassandra.pid())));
      }

      // models=on: the Bedrock path against the scripted model, and what prompt caching saves
      if (stringArg(args, "models", "off").equals("on")) {
        ModelPathBench.run(
            keyspaces(cassandra, "bench_models"),
            tools,
            sessionCounts,
            warmup,
            duration,
            cassandra.pid(),
            figure);
      }
      // teams=on: team runs of the 3-member pipeline at 1/16/64 at a time
      if (stringArg(args, "teams", "off").equals("on")) {
        TeamBench.run(
            keyspaces(cassandra, "bench_teams"),
            teamRuns,
            warmup,
            duration,
            cassandra.pid(),
            figure);
      }
      // streams=on: live-stream delta latency and idle WebSockets per node
      if (stringArg(args, "streams", "off").equals("on")) {
        StreamBench.run(cassandra, StreamBench.Params.fromArgs(args), figure);
      }

      // (b) plain sequential writes of a journal write's size (a write holds two events on average)
      int writeBytes = (int) Math.round(eventBytes * 2);
      // as many plain writes as the journal made in the single-session run
      Stats plain = PlainWrites.run(cql, writeBytes, 200, journalWritesSingle, false);
      Stats lwt = PlainWrites.run(cql, writeBytes, 50, 500, true);
      figure.accept(
          String.format(
              "plain write (%d B, QUORUM, %d sequential): p50 %.2f ms, p99 %.2f ms",
              writeBytes, plain.count(), plain.percentileMs(50), plain.percentileMs(99)));
      figure.accept(
          String.format(
              "lightweight-transaction write, for comparison (500): p50 %.2f ms (%.1fx plain)",
              lwt.percentileMs(50), lwt.percentileMs(50) / plain.percentileMs(50)));
      figure.accept(
          String.format(
              "average event %.0f B; a turn = 8 events in 4 journal writes (+2 list-entry writes, not awaited)",
              eventBytes));
      figure.accept(
          String.format(
              "overhead ratio = p50 turn %.2f ms / (4 writes x p50 plain write %.2f ms) = %.2f",
              p50Single, plain.percentileMs(50), p50Single / (4 * plain.percentileMs(50))));

      // recovery and memory, on a node that keeps idle sessions in memory for the measurement
      if (heapSessions > 0)
        try (StatehouseNode node =
            StatehouseNode.start(
                NodeConfig.full(
                    keyspaces(cassandra, "bench_r"),
                    0,
                    "statehouse.session.passivate-after = 30m"))) {
          RecoveryBench.Result snap = RecoveryBench.run(node.system(), "snap", 100, 125, 5);
          RecoveryBench.Result none = RecoveryBench.run(node.system(), "nosnap", 1_000_000, 125, 5);
          figure.accept(
              String.format(
                  "recovery of %d events, snapshot every 100: median %.0f ms (min %.0f)",
                  snap.events(), snap.medianMs(), snap.minMs()));
          figure.accept(
              String.format(
                  "recovery of %d events, no snapshot: median %.0f ms (min %.0f)",
                  none.events(), none.medianMs(), none.minMs()));
          HeapBench.Result heap = HeapBench.run(prepare(node, tools), AGENT, heapSessions);
          figure.accept(
              String.format(
                  "heap per idle in-memory session (one turn of history, %d sessions): %.1f KiB",
                  heap.sessions(), heap.bytesPerSession() / 1024));
        }
    }
    // after the main Cassandra has stopped, so that it does not compete for the cores
    report.addAll(
        comparison.run(warmup, duration, (int) Math.round(eventBytes * 2), journalWritesSingle));
    System.out.println("\n==== Statehouse benchmark ====");
    report.forEach(line -> System.out.println("  " + line));
    System.out.println();
    System.exit(0);
  }

  /**
   * {@code cluster=only}: {@link ClusterBench} for {@code clusterSizes} (1,3) at {@code
   * clusterSessions} (16,64), each size warmed up for {@code clusterWarmup} seconds (60) per load.
   */
  /**
   * {@code isolated=only}: {@link IsolatedBench}, each figure printed as it comes and all of them
   * again at the end.
   */
  private static void isolatedOnly(String[] args, Duration warmup, Duration duration)
      throws Exception {
    CommitLogSync commitLog = CassandraSettings.fromConfig(ConfigFactory.load()).commitLog();
    List<String> report = new ArrayList<>();
    report.add("command: " + commandLine(args));
    System.out.println(report.get(0));
    Consumer<String> figure =
        line -> {
          String labelled = withMode(commitLog, line);
          report.add(labelled);
          System.out.println(labelled);
        };
    try (RunningCassandra cassandra = startCassandra("bench-cassandra", commitLog);
        CqlSession cql = cql(cassandra)) {
      IsolatedBench.run(cassandra, cql, args, warmup, duration, figure);
    }
    System.out.println("\n==== Statehouse benchmark: isolated processes ====");
    report.forEach(line -> System.out.println("  " + line));
  }

  private static void clusterOnly(String[] args, Duration warmup, Duration duration)
      throws Exception {
    CommitLogSync commitLog = CassandraSettings.fromConfig(ConfigFactory.load()).commitLog();
    List<String> report = new ArrayList<>();
    report.add("command: " + commandLine(args));
    try (RunningCassandra cassandra = startCassandra("bench-cassandra", commitLog);
        LocalHttpServer tools = echoTools()) {
      ClusterBench.run(
          cassandra,
          tools,
          ints(stringArg(args, "clusterSizes", "1,3")),
          ints(stringArg(args, "clusterSessions", "16,64")),
          Duration.ofSeconds(intArg(args, "clusterWarmup", 60)),
          duration,
          line -> report.add(withMode(commitLog, line)));
    }
    System.out.println("\n==== Statehouse benchmark: cluster ====");
    report.forEach(line -> System.out.println("  " + line));
  }

  static List<Integer> ints(String csv) {
    List<Integer> out = new ArrayList<>();
    for (String n : csv.split(",")) {
      if (!n.isBlank()) {
        out.add(Integer.parseInt(n.trim()));
      }
    }
    return out;
  }

  /** A section that runs on the harness's Cassandra and tool server. */
  private interface Section {
    void run(RunningCassandra cassandra, LocalHttpServer tools, Consumer<String> figure)
        throws Exception;
  }

  /**
   * {@code name=only}: runs that section alone, after the usual JIT warm-up, and then the harness
   * stops (true); otherwise nothing (false).
   */
  private static boolean only(String[] args, String name, Section section) throws Exception {
    if (!stringArg(args, name, "off").equals("only")) {
      return false;
    }
    afterJitWarmup(args, name, section);
    System.exit(0);
    return true;
  }

  /** {@code models=only}, {@code streams=only}: one section alone, after the usual JIT warm-up. */
  private static void afterJitWarmup(String[] args, String name, Section section) throws Exception {
    CommitLogSync commitLog = CassandraSettings.fromConfig(ConfigFactory.load()).commitLog();
    List<String> report = new ArrayList<>();
    report.add("command: " + commandLine(args));
    Consumer<String> figure = line -> report.add(withMode(commitLog, line));
    try (RunningCassandra cassandra = startCassandra("bench-cassandra", commitLog);
        LocalHttpServer tools = echoTools()) {
      try (StatehouseNode node =
          StatehouseNode.start(NodeConfig.full(keyspaces(cassandra, "bench_a"), 0, ""))) {
        TurnLoad.run(
            prepare(node, tools),
            AGENT,
            16,
            Duration.ZERO,
            Duration.ofSeconds(intArg(args, "jitWarmup", 180)),
            cassandra.pid());
      }
      section.run(cassandra, tools, figure);
    }
    System.out.println("\n==== Statehouse benchmark: " + name + " ====");
    report.forEach(line -> System.out.println("  " + line));
  }

  /**
   * A Cassandra as the harness runs it: a fresh base dir under target, its own free ports, 1 GiB of
   * heap, the given commit-log mode.
   */
  static RunningCassandra startCassandra(String dirName, CommitLogSync commitLog)
      throws IOException {
    Path base = Path.of("target", dirName).toAbsolutePath();
    deleteRecursively(base);
    int[] ports = FreePorts.pick(2);
    return CassandraLauncher.start(
        new CassandraSettings(
            base,
            ports[0],
            ports[1],
            "1G",
            Duration.ofMinutes(3),
            Duration.ofSeconds(45),
            Duration.ofSeconds(5),
            "bench",
            Optional.empty(),
            true,
            commitLog));
  }

  /** The tool every benchmark agent calls: answers at once. */
  static LocalHttpServer echoTools() throws IOException {
    return new LocalHttpServer()
        .on("/echo", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"ok\":true}"));
  }

  /** The line prefixed with the commit-log mode its figures were measured with. */
  static String withMode(CommitLogSync commitLog, String line) {
    return String.format("%-18s %s", "[" + commitLog + "]", line);
  }

  /** The Maven command that repeats this run: its JVM options and its arguments as received. */
  private static String commandLine(String[] args) {
    String jvm =
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(a -> !a.startsWith("-Xms") && !a.startsWith("-Xmx"))
            .collect(Collectors.joining(" "));
    return "mvn -B -Pbench -DskipTests verify -pl api -am"
        + (jvm.isEmpty() ? "" : " -Dbench.jvm=\"" + jvm + "\"")
        + " -Dbench.args=\""
        + String.join(" ", args)
        + "\"";
  }

  static Api prepare(StatehouseNode node, LocalHttpServer tools) {
    return prepare(new Api("127.0.0.1", node.port()), tools.url("/echo"));
  }

  /**
   * Defines the turn workload's tool ({@code echo} at {@code echoUrl}) and agent ({@link #AGENT}:
   * one tool call, then text, in a loop) through {@code api}, and returns it.
   */
  static Api prepare(Api api, String echoUrl) {
    api.putTool(ItKeys.ACME_ALICE, "echo", Defs.tool(echoUrl, true, "5s"));
    api.putAgent(
        ItKeys.ACME_ALICE,
        AGENT,
        Defs.agent(
            "[\"echo\"]", "[" + Defs.call("echo", "x") + "," + Defs.text("ok") + "]", true, 0L));
    return api;
  }

  private static String partLine(String what, Stats s) {
    return String.format(
        "   %-48s %6.2f ms / %6.2f ms", what, s.percentileMs(50), s.percentileMs(99));
  }

  static String turnLine(String variant, TurnLoad.Result r) {
    return String.format(
        "%-36s N=%-3d %7.1f turns/s  p50 %6.2f ms  p99 %7.2f ms  CPU/turn node %5.2f ms, Cassandra %5.2f ms  (%d turns%s)",
        variant,
        r.sessions(),
        r.turnsPerSecond(),
        r.latency().percentileMs(50),
        r.latency().percentileMs(99),
        r.nodeCpuMs(),
        r.cassandraCpuMs(),
        r.turns(),
        r.errors() == 0 ? "" : ", " + r.errors() + " errors");
  }

  static CassandraTestKeyspaces keyspaces(RunningCassandra cassandra, String prefix) {
    return new CassandraTestKeyspaces(
        cassandra.contactPoint(), prefix + "_journal", prefix + "_snapshot", prefix + "_readside");
  }

  static CqlSession cql(RunningCassandra cassandra) {
    OptionsMap options = OptionsMap.driverDefaults();
    options.put(TypedDriverOption.CONTACT_POINTS, List.of("127.0.0.1:" + cassandra.cqlPort()));
    options.put(
        TypedDriverOption.LOAD_BALANCING_LOCAL_DATACENTER, CassandraTestKeyspaces.LOCAL_DATACENTER);
    options.put(TypedDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30));
    return CqlSession.builder().withConfigLoader(DriverConfigLoader.fromMap(options)).build();
  }

  static int intArg(String[] args, String name, int fallback) {
    return Integer.parseInt(stringArg(args, name, Integer.toString(fallback)));
  }

  static String stringArg(String[] args, String name, String fallback) {
    for (String a : args) {
      for (String part : a.split("\\s+")) {
        if (part.startsWith(name + "=")) {
          return part.substring(name.length() + 1);
        }
      }
    }
    return fallback;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}

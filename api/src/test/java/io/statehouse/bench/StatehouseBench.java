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
import io.statehouse.persistence.cassandra.launcher.FreePorts;
import io.statehouse.persistence.cassandra.launcher.RunningCassandra;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.testing.LocalHttpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
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
 * node that has run for a while is what the figures describe.
 */
public final class StatehouseBench {
  private static final String AGENT = "bench";

  private StatehouseBench() {}

  public static void main(String[] args) throws Exception {
    Duration duration = Duration.ofSeconds(intArg(args, "duration", 20));
    Duration warmup = Duration.ofSeconds(intArg(args, "warmup", 5));
    int heapSessions = intArg(args, "heapSessions", 1000);
    List<Integer> sessionCounts = new ArrayList<>();
    for (String n : stringArg(args, "sessions", "1,16,64").split(",")) {
      sessionCounts.add(Integer.parseInt(n.trim()));
    }

    Path base = Path.of("target", "bench-cassandra").toAbsolutePath();
    deleteRecursively(base);
    int[] ports = FreePorts.pick(2);
    List<String> report = new ArrayList<>();
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
            + " s of JIT warm-up first");
    try (RunningCassandra cassandra =
            CassandraLauncher.start(
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
                    CassandraSettings.fromConfig(ConfigFactory.load()).commitLog()));
        LocalHttpServer tools =
            new LocalHttpServer()
                .on("/echo", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"ok\":true}"));
        CqlSession cql = cql(cassandra)) {

      // (a) turns over HTTP with the default settings
      double p50Single = Double.NaN;
      int journalWritesSingle = 2000;
      double averageEventBytes;
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
          report.add(turnLine("default (events-by-tag off)", r));
          if (n == 1) {
            p50Single = r.latency().percentileMs(50);
            journalWritesSingle = r.turns() * 4;
          }
        }
        String id = api.openSession(ItKeys.ACME_ALICE, AGENT);
        api.post(
            "/v1/sessions/" + id + "/messages", ItKeys.ACME_ALICE, "{\"content\":\"measure me\"}");
        samplePid = new SessionId("acme", id).persistenceId().id();
        double eventBytes = PlainWrites.averageEventBytes(cql, ksA.journalKeyspace(), samplePid);
        int writeBytes = (int) Math.round(eventBytes * 2);
        report.add("-- what a turn is made of, each part alone (p50 / p99, sequential):");
        report.add(
            partLine(
                "HTTP round trip to the node, no work", Decomposition.httpNoop(api, 200, 1000)));
        report.add(
            partLine(
                "tool call (HTTP, tool answers at once)",
                Decomposition.toolCall(tools.url("/echo"), 200, 1000)));
        report.add(
            partLine(
                "Pekko persist of one " + writeBytes + " B event",
                Decomposition.persist(node.system(), writeBytes, 100, 1000)));

        averageEventBytes = eventBytes;
      }
      double eventBytes = averageEventBytes;

      // the plugin's default (events-by-tag on), and what a tagged write costs, measured on one
      // node
      try (StatehouseNode node =
          StatehouseNode.start(
              NodeConfig.full(
                  keyspaces(cassandra, "bench_tags"),
                  0,
                  "pekko.persistence.cassandra.events-by-tag.enabled = on"))) {
        report.add(
            turnLine(
                "events-by-tag on (plugin default)",
                TurnLoad.run(prepare(node, tools), AGENT, 1, warmup, duration, cassandra.pid())));
        Stats[] ab =
            Decomposition.persistTaggedVersusUntagged(
                node.system(), (int) Math.round(averageEventBytes * 2), 11, 200);
        report.add(partLine("  persist, events-by-tag on, untagged event", ab[0]));
        report.add(partLine("  persist, events-by-tag on, tagged event", ab[1]));
      }
      // the default once more, last: how much of a difference between runs is run order (JIT,
      // compaction)
      try (StatehouseNode node =
          StatehouseNode.start(NodeConfig.full(keyspaces(cassandra, "bench_again"), 0, ""))) {
        report.add(
            turnLine(
                "default again, run last",
                TurnLoad.run(prepare(node, tools), AGENT, 1, warmup, duration, cassandra.pid())));
      }

      // (b) plain sequential writes of a journal write's size (a write holds two events on average)
      int writeBytes = (int) Math.round(eventBytes * 2);
      // as many plain writes as the journal made in the single-session run
      Stats plain = PlainWrites.run(cql, writeBytes, 200, journalWritesSingle, false);
      Stats lwt = PlainWrites.run(cql, writeBytes, 50, 500, true);
      report.add(
          String.format(
              "plain write (%d B, QUORUM, %d sequential): p50 %.2f ms, p99 %.2f ms",
              writeBytes, plain.count(), plain.percentileMs(50), plain.percentileMs(99)));
      report.add(
          String.format(
              "lightweight-transaction write, for comparison (500): p50 %.2f ms (%.1fx plain)",
              lwt.percentileMs(50), lwt.percentileMs(50) / plain.percentileMs(50)));
      report.add(
          String.format(
              "average event %.0f B; a turn = 8 events in 4 journal writes (+2 list-entry writes, not awaited)",
              eventBytes));
      report.add(
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
          report.add(
              String.format(
                  "recovery of %d events, snapshot every 100: median %.0f ms (min %.0f)",
                  snap.events(), snap.medianMs(), snap.minMs()));
          report.add(
              String.format(
                  "recovery of %d events, no snapshot: median %.0f ms (min %.0f)",
                  none.events(), none.medianMs(), none.minMs()));
          HeapBench.Result heap = HeapBench.run(prepare(node, tools), AGENT, heapSessions);
          report.add(
              String.format(
                  "heap per idle in-memory session (one turn of history, %d sessions): %.1f KiB",
                  heap.sessions(), heap.bytesPerSession() / 1024));
        }
    }
    System.out.println("\n==== Statehouse benchmark ====");
    report.forEach(line -> System.out.println("  " + line));
    System.out.println();
    System.exit(0);
  }

  private static Api prepare(StatehouseNode node, LocalHttpServer tools) {
    Api api = new Api("127.0.0.1", node.port());
    api.putTool(ItKeys.ACME_ALICE, "echo", Defs.tool(tools.url("/echo"), true, "5s"));
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

  private static String turnLine(String variant, TurnLoad.Result r) {
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

  private static CassandraTestKeyspaces keyspaces(RunningCassandra cassandra, String prefix) {
    return new CassandraTestKeyspaces(
        cassandra.contactPoint(), prefix + "_journal", prefix + "_snapshot", prefix + "_readside");
  }

  private static CqlSession cql(RunningCassandra cassandra) {
    OptionsMap options = OptionsMap.driverDefaults();
    options.put(TypedDriverOption.CONTACT_POINTS, List.of("127.0.0.1:" + cassandra.cqlPort()));
    options.put(
        TypedDriverOption.LOAD_BALANCING_LOCAL_DATACENTER, CassandraTestKeyspaces.LOCAL_DATACENTER);
    options.put(TypedDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30));
    return CqlSession.builder().withConfigLoader(DriverConfigLoader.fromMap(options)).build();
  }

  private static int intArg(String[] args, String name, int fallback) {
    return Integer.parseInt(stringArg(args, name, Integer.toString(fallback)));
  }

  private static String stringArg(String[] args, String name, String fallback) {
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

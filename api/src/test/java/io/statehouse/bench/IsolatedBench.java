package io.statehouse.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.statehouse.api.it.Api;
import io.statehouse.api.it.ItKeys;
import io.statehouse.api.it.NodeConfig;
import io.statehouse.api.it.NodeProcess;
import io.statehouse.persistence.cassandra.launcher.FreePorts;
import io.statehouse.persistence.cassandra.launcher.RunningCassandra;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.session.SessionId;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * {@code isolated=only}: the turn benchmark with every party in a process of its own, so that each
 * figure belongs to one of them. The node runs as {@code Main} in its own JVM (as in production),
 * the HTTP tool in another ({@link BenchToolServer}), Cassandra in a third; this JVM is only the
 * load generator. For each run it prints turns/s, latency, the CPU time per turn of each process,
 * and the writes per turn Cassandra itself counted, per table (its {@code
 * system_views.local_write_latency}), so journal writes are counted rather than assumed.
 *
 * <p>{@code baseline=<file>} names a file holding the classpath of another build of Statehouse (the
 * commit before a change; see docs/benchmarks.md for the script that makes one). Its node then runs
 * the same workload in the same run, alternating with this build's, {@code rounds=2} times each, on
 * fresh keyspaces every time. {@code history=N} runs one session's {@code N} turns and sets the
 * first against the last ({@link HistoryCost}). {@code sessionHeap=N} and {@code passivated=N} read
 * what N sessions held in memory, and N passivated ones, cost the node's heap ({@link
 * SessionHeap}). {@code soak=<minutes>} runs {@link Soak}. {@code jfr=<dir>} records each node with
 * JFR from the end of its JIT warm-up and prints where its CPU went ({@link JfrProfile}). A plain
 * driver write of a journal write's size is timed before and after the runs: the yardstick for the
 * latency at one session. {@code variantConfig=<hocon>} runs this build a second time with that
 * config added, alternating with the others: a setting measured against the same build in one run.
 */
final class IsolatedBench {
  private static final String CURRENT = "this build";

  private IsolatedBench() {}

  /** A build to run, and HOCON its nodes get on top of {@code nodeConfig}. */
  record Variant(String label, String classpath, String config, String key) {}

  static void run(
      RunningCassandra cassandra,
      CqlSession cql,
      String[] args,
      Duration warmup,
      Duration measure,
      Consumer<String> figure)
      throws Exception {
    List<Integer> sessions =
        StatehouseBench.ints(StatehouseBench.stringArg(args, "sessions", "1,64"));
    int rounds = StatehouseBench.intArg(args, "rounds", 1);
    // the turn runs' clients, each in turn at each N: socket (a blocking keep-alive connection
    // per session) or jdk (the JDK's HttpClient)
    List<TurnLoad.Client> clients =
        Arrays.stream(StatehouseBench.stringArg(args, "client", "socket").split(","))
            .map(TurnLoad.Client::of)
            .toList();
    Duration jitWarmup = Duration.ofSeconds(StatehouseBench.intArg(args, "jitWarmup", 90));
    String jfr = StatehouseBench.stringArg(args, "jfr", "");
    String heap = StatehouseBench.stringArg(args, "nodeHeap", "1g");
    // HOCON for the nodes, e.g. nodeConfig=statehouse.session.read-side-interval=1s
    String nodeConfig = StatehouseBench.stringArg(args, "nodeConfig", "");
    List<Variant> variants = new ArrayList<>();
    String baseline = StatehouseBench.stringArg(args, "baseline", "");
    if (!baseline.isEmpty()) {
      variants.add(
          new Variant(
              "baseline",
              withoutTestClasses(Files.readString(Path.of(baseline)).trim()),
              "",
              "base"));
    }
    String thisClasspath = withoutTestClasses(System.getProperty("java.class.path"));
    variants.add(new Variant(CURRENT, thisClasspath, "", "head"));
    // variantConfig=<hocon>: this build once more, with that config too, alternating with the rest
    String variantConfig = StatehouseBench.stringArg(args, "variantConfig", "");
    if (!variantConfig.isEmpty()) {
      variants.add(
          new Variant(CURRENT + " + " + variantConfig, thisClasspath, variantConfig, "var"));
    }
    List<Integer> writers =
        StatehouseBench.ints(StatehouseBench.stringArg(args, "concurrentWrites", ""));
    if (!writers.isEmpty()) {
      // Cassandra's own cost per write with many in flight: warmed up by a minute of them first
      ConcurrentWrites.run(cql, 800, 64, jitWarmup, cassandra.pid());
      for (int c : writers) {
        ConcurrentWrites.Result w = ConcurrentWrites.run(cql, 800, c, measure, cassandra.pid());
        figure.accept(
            String.format(
                "plain writes of 800 B, %3d in flight: %8.0f writes/s, Cassandra CPU %.3f ms per"
                    + " write (%d writes)",
                c, w.writesPerSecond(), w.cassandraCpuMsPerWrite(), w.writes()));
      }
    }
    int heapSessions = StatehouseBench.intArg(args, "sessionHeap", 0);
    int passivated = StatehouseBench.intArg(args, "passivated", 0);
    if (heapSessions > 0 || passivated > 0) {
      sessionHeap(cassandra, heapSessions, passivated, heap, nodeConfig, figure);
    }
    int soakMinutes = StatehouseBench.intArg(args, "soak", 0);
    if (soakMinutes > 0) {
      soak(
          cassandra,
          args,
          Duration.ofMinutes(soakMinutes),
          jitWarmup,
          measure,
          heap,
          nodeConfig,
          figure);
    }
    if (StatehouseBench.stringArg(args, "turns", "on").equals("off")) {
      return;
    }
    try (ToolProcess tools = ToolProcess.start()) {
      Stats plain = null;
      int writeBytes = 0;
      for (int round = 1; round <= rounds; round++) {
        for (Variant v : variants) {
          String name = "iso-" + v.key() + round;
          CassandraTestKeyspaces ks =
              StatehouseBench.keyspaces(cassandra, "bench_" + name.replace('-', '_'));
          List<String> jvm = new ArrayList<>(List.of("-Xms" + heap, "-Xmx" + heap));
          Path recording = null;
          if (!jfr.isEmpty()) {
            Files.createDirectories(Path.of(jfr));
            recording = Path.of(jfr).toAbsolutePath().resolve(name + ".jfr");
            jvm.add(
                "-XX:StartFlightRecording=delay="
                    + jitWarmup.toSeconds()
                    + "s,settings=profile,dumponexit=true,filename="
                    + recording);
          }
          String config = v.config().isEmpty() ? nodeConfig : nodeConfig + "\n" + v.config();
          try (BenchNode node = BenchNode.start(name, ks, config, jvm, v.classpath(), tools)) {
            Api api = node.api();
            TurnLoad.run(api, StatehouseBench.AGENT, 16, Duration.ZERO, jitWarmup, cassandra.pid());
            if (plain == null) {
              writeBytes = journalWriteBytes(api, cql, ks);
              plain = PlainWrites.run(cql, writeBytes, 1000, 5000, false);
              figure.accept(plainLine("before the runs", writeBytes, plain));
            }
            int stepTurns = StatehouseBench.intArg(args, "steps", 0);
            if (stepTurns > 0) {
              figure.accept("-- one session's turn, step by step (" + v.label() + "):");
              TurnSteps.run(api, StatehouseBench.AGENT, stepTurns)
                  .forEach(l -> figure.accept("   " + l));
            }
            int historyTurns = StatehouseBench.intArg(args, "history", 0);
            if (historyTurns > 0) {
              figure.accept(
                  "-- one session's turns as its history grows ("
                      + v.label()
                      + ", "
                      + historyTurns
                      + " turns):");
              HistoryCost.run(
                      api,
                      StatehouseBench.AGENT,
                      historyTurns,
                      cql,
                      ks.snapshotKeyspace(),
                      node.pid(),
                      cassandra.pid())
                  .forEach(l -> figure.accept("   " + l));
            }
            for (int n : sessions) {
              for (TurnLoad.Client client : clients) {
                WriteCounts counts = new WriteCounts(cql, ks, node.managementPort());
                CassandraRecording cassandraJfr =
                    new CassandraRecording(
                        cassandra.pid(),
                        StatehouseBench.stringArg(args, "cassandraJfr", ""),
                        name + "-n" + n + (clients.size() > 1 ? "-" + client : ""));
                TurnLoad.Result r =
                    TurnLoad.run(
                        List.of(api),
                        StatehouseBench.AGENT,
                        n,
                        warmup,
                        measure,
                        cassandra.pid(),
                        new long[] {node.pid(), tools.pid()},
                        ClosedLoop.Window.both(counts, cassandraJfr),
                        client);
                figure.accept(line(v, round, r, counts.delta(), ks, client));
                if (cassandraJfr.file() != null) {
                  figure.accept("-- where Cassandra's CPU went (" + v.label() + ", N=" + n + "):");
                  JfrProfile.report(cassandraJfr.file(), 25).forEach(l -> figure.accept("   " + l));
                }
              }
            }
          }
          if (recording != null && Files.exists(recording)) {
            figure.accept("-- where the node's CPU went (" + v.label() + ", round " + round + "):");
            JfrProfile.report(recording, 15).forEach(l -> figure.accept("   " + l));
          }
        }
      }
      Stats last = PlainWrites.run(cql, writeBytes, 1000, 5000, false);
      figure.accept(plainLine("after the runs", writeBytes, last));
    }
  }

  /**
   * {@link SessionHeap}'s measures, this build only, each on a node of its own: {@code sessionHeap}
   * sessions held in memory, {@code passivated} sessions passivated.
   */
  private static void sessionHeap(
      RunningCassandra cassandra,
      int inMemory,
      int passivated,
      String heap,
      String nodeConfig,
      Consumer<String> figure)
      throws Exception {
    Duration passivateAfter = Duration.ofSeconds(10);
    try (ToolProcess tools = ToolProcess.start()) {
      if (inMemory > 0) {
        try (BenchNode node =
            thisBuild(
                "iso_heap",
                cassandra,
                "statehouse.session.passivate-after = 30m\n" + nodeConfig,
                heap,
                tools)) {
          figure.accept("-- sessions held in memory, the node's own heap (" + heap + "):");
          SessionHeap.inMemory(node.api(), StatehouseBench.AGENT, node.pid(), inMemory)
              .forEach(l -> figure.accept("   " + l));
        }
      }
      if (passivated > 0) {
        try (BenchNode node =
            thisBuild(
                "iso_passivated",
                cassandra,
                "statehouse.session.passivate-after = "
                    + passivateAfter.toSeconds()
                    + "s\n"
                    + nodeConfig,
                heap,
                tools)) {
          figure.accept("-- passivated sessions, the node's own heap (" + heap + "):");
          SessionHeap.passivated(
                  node.api(), StatehouseBench.AGENT, node.pid(), passivated, passivateAfter)
              .forEach(l -> figure.accept("   " + l));
        }
      }
    }
  }

  /**
   * {@link Soak} on a node of this build: its peak measured first ({@code soakPeakSessions}
   * sessions, 64, closed loop, after the JIT warm-up), then {@code soakSessions} (10,000) sessions
   * at {@code soakShare} (0.8) of it, or at {@code soakRate} turns/s when given.
   */
  private static void soak(
      RunningCassandra cassandra,
      String[] args,
      Duration length,
      Duration jitWarmup,
      Duration measure,
      String heap,
      String nodeConfig,
      Consumer<String> figure)
      throws Exception {
    int sessions = StatehouseBench.intArg(args, "soakSessions", 10_000);
    double share = Double.parseDouble(StatehouseBench.stringArg(args, "soakShare", "0.8"));
    double rate = Double.parseDouble(StatehouseBench.stringArg(args, "soakRate", "0"));
    int heapEvery = StatehouseBench.intArg(args, "soakHeapEvery", 5);
    // soakRecord=<dir>: the soak node's GC log and a JFR recording (default settings) go there
    String record = StatehouseBench.stringArg(args, "soakRecord", "");
    List<String> jvm = new ArrayList<>(List.of("-Xms" + heap, "-Xmx" + heap));
    if (!record.isEmpty()) {
      Path dir = Files.createDirectories(Path.of(record)).toAbsolutePath();
      jvm.add(
          "-Xlog:gc*,safepoint:file=\"" + dir.resolve("node-gc.log") + "\":time,uptime,level,tags");
      jvm.add(
          "-XX:StartFlightRecording=settings=default,dumponexit=true,filename="
              + dir.resolve("node-soak.jfr"));
      figure.accept("-- soak: the node's GC log and JFR recording go to " + dir);
    }
    try (ToolProcess tools = ToolProcess.start();
        BenchNode node =
            BenchNode.start(
                "iso-soak",
                StatehouseBench.keyspaces(cassandra, "bench_iso_soak"),
                nodeConfig,
                jvm,
                withoutTestClasses(System.getProperty("java.class.path")),
                tools)) {
      Api api = node.api();
      TurnLoad.run(api, StatehouseBench.AGENT, 16, Duration.ZERO, jitWarmup, cassandra.pid());
      if (rate <= 0) {
        int peakSessions = StatehouseBench.intArg(args, "soakPeakSessions", 64);
        TurnLoad.Result peak =
            TurnLoad.run(
                api,
                StatehouseBench.AGENT,
                peakSessions,
                Duration.ofSeconds(3),
                measure,
                cassandra.pid());
        rate = share * peak.turnsPerSecond();
        figure.accept(
            String.format(
                "-- soak: peak %.1f turns/s at %d sessions (p99 %.2f ms); the soak asks %.0f%% of"
                    + " it",
                peak.turnsPerSecond(), peakSessions, peak.latency().percentileMs(99), share * 100));
      }
      Soak.run(
              api,
              "http://127.0.0.1:" + node.port(),
              StatehouseBench.AGENT,
              node.pid(),
              sessions,
              rate,
              length,
              heapEvery,
              l -> System.out.println("[batch]    " + l))
          .forEach(l -> figure.accept("   " + l));
    }
  }

  /** A node of this build on fresh keyspaces named after {@code name}. */
  private static BenchNode thisBuild(
      String name, RunningCassandra cassandra, String hocon, String heap, ToolProcess tools)
      throws IOException {
    return BenchNode.start(
        name.replace('_', '-'),
        StatehouseBench.keyspaces(cassandra, "bench_" + name),
        hocon,
        List.of("-Xms" + heap, "-Xmx" + heap),
        withoutTestClasses(System.getProperty("java.class.path")),
        tools);
  }

  /**
   * A node in its own JVM ({@code Main}, from {@code classpath}) on a port of its own, with the
   * turn workload's tool and agent defined through its API.
   */
  /**
   * @param managementPort where the node serves its metrics
   */
  private record BenchNode(NodeProcess process, int port, int managementPort, Api api)
      implements AutoCloseable {
    static BenchNode start(
        String name,
        CassandraTestKeyspaces ks,
        String hocon,
        List<String> jvm,
        String classpath,
        ToolProcess tools)
        throws IOException {
      int[] ports = FreePorts.pick(2);
      int port = ports[0];
      NodeProcess process =
          NodeProcess.start(
              "bench-" + name,
              NodeConfig.overrides(
                  ks, port, hocon + "\npekko.management.http.port = " + ports[1] + "\n"),
              port,
              Duration.ofMinutes(3),
              jvm,
              classpath);
      try {
        return new BenchNode(
            process,
            port,
            ports[1],
            StatehouseBench.prepare(new Api("127.0.0.1", port), tools.url("/echo")));
      } catch (RuntimeException | Error e) {
        process.close();
        throw e;
      }
    }

    long pid() {
      return process.pid();
    }

    @Override
    public void close() {
      process.close();
    }
  }

  /** The bytes of one journal write of a turn: two events of a session's average size. */
  private static int journalWriteBytes(Api api, CqlSession cql, CassandraTestKeyspaces ks) {
    String id = api.openSession(ItKeys.ACME_ALICE, StatehouseBench.AGENT);
    api.post(
        "/v1/sessions/" + id + "/messages?wait=60", ItKeys.ACME_ALICE, "{\"content\":\"size\"}");
    String pid = new SessionId("acme", id).persistenceId().id();
    return (int) Math.round(2 * PlainWrites.averageEventBytes(cql, ks.journalKeyspace(), pid));
  }

  /** Cassandra's own count of local writes, per table of this run's keyspaces. */
  private static Map<String, Long> writes(CqlSession cql, CassandraTestKeyspaces ks) {
    List<String> mine = List.of(ks.journalKeyspace(), ks.snapshotKeyspace(), ks.readSideKeyspace());
    Map<String, Long> counts = new TreeMap<>();
    for (Row row :
        cql.execute(
            "SELECT keyspace_name, table_name, count FROM system_views.local_write_latency")) {
      if (mine.contains(row.getString("keyspace_name"))) {
        counts.put(
            row.getString("keyspace_name") + "." + row.getString("table_name"),
            row.getLong("count"));
      }
    }
    // reads and range scans too, of any keyspace (system ones included: the bench's own reads of
    // these views are a handful per window)
    for (String kind : List.of("read", "scan")) {
      for (Row row :
          cql.execute(
              "SELECT keyspace_name, table_name, count FROM system_views.local_"
                  + kind
                  + "_latency")) {
        if (row.getLong("count") > 0) {
          counts.put(
              kind + " " + row.getString("keyspace_name") + "." + row.getString("table_name"),
              row.getLong("count"));
        }
      }
    }
    return counts;
  }

  /**
   * {@code cassandraJfr=<dir>}: Cassandra's JVM recorded with JFR ({@code settings=profile}) over
   * the measured window, started and stopped with jcmd. No recording when the directory is empty.
   */
  private static final class CassandraRecording implements ClosedLoop.Window {
    private final long pid;
    private final Path file;

    CassandraRecording(long pid, String dir, String name) throws IOException {
      this.pid = pid;
      if (dir.isEmpty()) {
        this.file = null;
      } else {
        Files.createDirectories(Path.of(dir));
        this.file = Path.of(dir).toAbsolutePath().resolve("cassandra-" + name + ".jfr");
      }
    }

    Path file() {
      return file;
    }

    @Override
    public void start() {
      if (file != null) {
        ProcessProbe.run(pid, "JFR.start name=bench settings=profile filename=" + file);
      }
    }

    @Override
    public void stop() {
      if (file != null) {
        ProcessProbe.run(pid, "JFR.stop name=bench");
      }
    }
  }

  /**
   * Cassandra's write counts over the measured window. Turns that cross either edge of the window
   * are not counted while part of their writes are: at N sessions the figure per turn is off by at
   * most about N turns' writes over the window's turns.
   */
  private static final class WriteCounts implements ClosedLoop.Window {
    private final CqlSession cql;
    private final CassandraTestKeyspaces ks;
    private volatile Map<String, Long> before = Map.of();
    private volatile Map<String, Long> after = Map.of();

    private final int managementPort;

    WriteCounts(CqlSession cql, CassandraTestKeyspaces ks, int managementPort) {
      this.cql = cql;
      this.ks = ks;
      this.managementPort = managementPort;
    }

    @Override
    public void start() {
      before = withRequests(writes(cql, ks));
    }

    @Override
    public void stop() {
      after = withRequests(writes(cql, ks));
    }

    /**
     * Cassandra requests the node sent for its journal writes ({@code
     * statehouse_journal_write_requests_total}), next to Cassandra's count of the rows they
     * carried. A node without that metric (the baseline) adds nothing.
     */
    private Map<String, Long> withRequests(Map<String, Long> writes) {
      Map<String, Long> all = new TreeMap<>(writes);
      try {
        HttpResponse<String> metrics =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + managementPort + "/metrics"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        metrics
            .body()
            .lines()
            .filter(l -> l.startsWith("statehouse_journal_write_requests_total "))
            .findFirst()
            .ifPresent(
                l ->
                    all.put(
                        "journal requests",
                        (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1).trim())));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return all;
    }

    Map<String, Long> delta() {
      Map<String, Long> d = new HashMap<>();
      after.forEach(
          (table, n) -> {
            long diff = n - before.getOrDefault(table, 0L);
            if (diff > 0) {
              d.put(table, diff);
            }
          });
      return d;
    }
  }

  private static String line(
      Variant v,
      int round,
      TurnLoad.Result r,
      Map<String, Long> writes,
      CassandraTestKeyspaces ks,
      TurnLoad.Client client) {
    int turns = Math.max(1, r.turns());
    long journal = writes.getOrDefault(ks.journalKeyspace() + ".messages", 0L);
    String others =
        writes.entrySet().stream()
            .filter(e -> !e.getKey().equals(ks.journalKeyspace() + ".messages"))
            .sorted(Map.Entry.comparingByKey())
            .map(
                e ->
                    String.format(
                        "%s %.2f",
                        e.getKey().contains(" ")
                            ? e.getKey()
                            : e.getKey().substring(e.getKey().indexOf('.') + 1),
                        e.getValue() / (double) turns))
            .collect(Collectors.joining(", "));
    return String.format(
        "%-10s r%d N=%-3d %7.1f turns/s  p50 %6.2f ms  p99 %7.2f ms  CPU/turn: node %5.2f ms,"
            + " Cassandra %5.2f ms, tool server %4.2f ms, load generator (%s) %4.2f ms  writes/turn:"
            + " journal %.2f%s  (%d turns%s)",
        v.label(),
        round,
        r.sessions(),
        r.turnsPerSecond(),
        r.latency().percentileMs(50),
        r.latency().percentileMs(99),
        r.othersCpuMs()[0],
        r.cassandraCpuMs(),
        r.othersCpuMs()[1],
        client.name().toLowerCase(java.util.Locale.ROOT),
        r.nodeCpuMs(),
        journal / (double) turns,
        others.isEmpty() ? "" : ", other " + others,
        r.turns(),
        r.errors() == 0 ? "" : ", " + r.errors() + " errors");
  }

  private static String plainLine(String when, int bytes, Stats s) {
    return String.format(
        "plain driver write of %d B (a journal write's size), %s: p50 %.3f ms, p99 %.3f ms (%d"
            + " sequential writes)",
        bytes, when, s.percentileMs(50), s.percentileMs(99), s.count());
  }

  /** The classpath without test classes: the node runs on what a build ships. */
  private static String withoutTestClasses(String classpath) {
    return Arrays.stream(classpath.split(File.pathSeparator))
        .filter(e -> !e.endsWith("test-classes") && !e.endsWith("-tests.jar"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  /** {@link BenchToolServer} in its own JVM. */
  static final class ToolProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    private ToolProcess(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    static ToolProcess start() throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process p =
          new ProcessBuilder(
                  java,
                  "-Xmx256m",
                  "-cp",
                  System.getProperty("java.class.path"),
                  BenchToolServer.class.getName())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String first = out.readLine();
      if (first == null) {
        p.destroyForcibly();
        throw new IOException("the tool server exited before it said its port");
      }
      return new ToolProcess(p, Integer.parseInt(first.trim()));
    }

    String url(String path) {
      return "http://127.0.0.1:" + port + path;
    }

    long pid() {
      return process.pid();
    }

    @Override
    public void close() throws IOException {
      process.getOutputStream().close();
      try {
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}

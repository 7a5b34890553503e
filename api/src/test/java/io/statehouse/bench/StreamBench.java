package io.statehouse.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.api.StatehouseNode;
import io.statehouse.api.it.Api;
import io.statehouse.api.it.Defs;
import io.statehouse.api.it.ItKeys;
import io.statehouse.api.it.NodeConfig;
import io.statehouse.api.it.NodeProcess;
import io.statehouse.bench.StreamWatcher.LongSamples;
import io.statehouse.persistence.cassandra.launcher.FreePorts;
import io.statehouse.persistence.cassandra.launcher.RunningCassandra;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.model.ModelRequest;
import io.statehouse.runtime.model.bedrock.BedrockModelClient;
import io.statehouse.runtime.model.bedrock.BedrockSettings;
import io.statehouse.runtime.model.bedrock.FakeBedrock;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Live streams ({@code streams=on|only}): what a WebSocket client adds to a model delta's way, and
 * how many idle WebSockets one node holds.
 *
 * <ul>
 *   <li><b>Delta latency.</b> A Bedrock agent on an in-process node, against {@link FakeBedrock}
 *       streaming {@code streamPieces=200} text pieces {@code streamEvery=5} ms apart per turn,
 *       each piece a stamp of {@code System.nanoTime()} taken as the fake writes it. Each of {@code
 *       streamWatchers=1,1000} JDK WebSocket clients of one session (one shared {@code HttpClient},
 *       four callback threads) takes its arrival time minus the stamp. The baseline is the fake's
 *       write to the runtime's receipt: the same pieces through {@link BedrockModelClient} alone,
 *       measured just before, its delta sink taking the time. What the node adds is the client's
 *       percentile minus the baseline's (a difference of percentiles: the two are not paired delta
 *       by delta). Fake, node and clients share this JVM, its clock and the machine's cores; CPU is
 *       split by thread into the clients', the JIT compiler's and the rest. {@code streamTurns=20}
 *       measured turns per figure, after {@code streamWarmupTurns=20} of each path, and one turn
 *       not measured per figure.
 *   <li><b>Idle connections.</b> A node in its own JVM ({@link NodeProcess}, {@code
 *       connNodeHeap=2g}), {@code connSessions=100} sessions, {@code connections=20000} WebSockets
 *       spread evenly over them, opened from this JVM. Heap per connection is the node's heap after
 *       a full GC (jcmd) with them open, minus before, divided by their number. Each connection is
 *       a file descriptor on both sides, so the count is capped by either process's open-files
 *       limit, less a reserve. Heartbeats ({@code streamHeartbeat}, the node's default unless
 *       given): over two intervals at the end, how many of 100 sampled connections got one, and how
 *       many arrived on all of them.
 * </ul>
 */
final class StreamBench {
  private static final String AGENT = "stream-bedrock";
  private static final String IDLE_AGENT = "stream-idle";
  // descriptors left to each process for everything but these connections (driver, logs, jars)
  private static final int FD_RESERVE = 256;
  private static final int OPENING_AT_ONCE = 32;
  private static final Duration TURN_DELIVERED = Duration.ofSeconds(30);
  private static final String CLIENT_THREAD = "bench-ws-client";

  /** The section's arguments, from {@code -Dbench.args}. */
  record Params(
      List<Integer> watchers,
      int warmupTurns,
      int turns,
      int pieces,
      long everyMillis,
      int connections,
      int connSessions,
      String connNodeHeap,
      Optional<String> heartbeat) {
    static Params fromArgs(String[] args) {
      List<Integer> watchers = new ArrayList<>();
      for (String n : StatehouseBench.stringArg(args, "streamWatchers", "1,1000").split(",")) {
        watchers.add(Integer.parseInt(n.trim()));
      }
      String heartbeat = StatehouseBench.stringArg(args, "streamHeartbeat", "");
      return new Params(
          watchers,
          StatehouseBench.intArg(args, "streamWarmupTurns", 20),
          StatehouseBench.intArg(args, "streamTurns", 20),
          StatehouseBench.intArg(args, "streamPieces", 200),
          StatehouseBench.intArg(args, "streamEvery", 5),
          StatehouseBench.intArg(args, "connections", 20_000),
          StatehouseBench.intArg(args, "connSessions", 100),
          StatehouseBench.stringArg(args, "connNodeHeap", "2g"),
          heartbeat.isEmpty() ? Optional.empty() : Optional.of(heartbeat));
    }
  }

  private StreamBench() {}

  static void run(RunningCassandra cassandra, Params p, Consumer<String> figure) throws Exception {
    ExecutorService clientThreads =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, CLIENT_THREAD);
              t.setDaemon(true);
              return t;
            });
    try {
      // one client for every socket, as a load generator would have; its callbacks run on four
      // threads, not on a thread per socket
      HttpClient http =
          HttpClient.newBuilder()
              .executor(clientThreads)
              .connectTimeout(Duration.ofSeconds(10))
              .build();
      deltaLatency(StatehouseBench.keyspaces(cassandra, "bench_streams"), http, p, figure);
      if (p.connections() > 0) {
        idleConnections(StatehouseBench.keyspaces(cassandra, "bench_conns"), http, p, figure);
      }
    } finally {
      clientThreads.shutdownNow();
    }
  }

  // ---- delta latency ---------------------------------------------------------------------------

  private static void deltaLatency(
      CassandraTestKeyspaces keyspaces, HttpClient http, Params p, Consumer<String> figure)
      throws Exception {
    // the default AWS credentials chain reads these first; nothing here is a real credential
    System.setProperty("aws.accessKeyId", "AKIDLOCALBENCH");
    System.setProperty("aws.secretAccessKey", "local-bench-secret");
    try (FakeBedrock bedrock = FakeBedrock.start().withoutRecording();
        BedrockModelClient direct =
            new BedrockModelClient(
                directSettings(bedrock),
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create("AKIDLOCALBENCH", "local-bench-secret")));
        StatehouseNode node =
            StatehouseNode.start(
                NodeConfig.full(
                    keyspaces,
                    0,
                    "statehouse.models.bedrock { region = us-east-1, endpoint = \""
                        + bedrock.endpoint()
                        + "\" }"))) {
      Api api = new Api("127.0.0.1", node.port());
      api.putAgent(
          ItKeys.ACME_ALICE,
          AGENT,
          "{\"instructions\":\"Answer.\",\"model\":{\"provider\":\"bedrock\",\"id\":\""
              + ModelPathBench.PRICED_MODEL
              + "\",\"maxTokens\":1000}}");
      figure.accept(
          String.format(
              "-- live streams, delta latency: a Bedrock agent against the local fake, %d text"
                  + " pieces %d ms apart per turn, each stamped with nanoTime as the fake writes"
                  + " it; a JDK WebSocket client's sample is its arrival time minus the stamp;"
                  + " %d turns per figure after %d; fake, node and clients in one JVM",
              p.pieces(), p.everyMillis(), p.turns(), p.warmupTurns()));
      // the SDK, the node's stream path and the client are not yet compiled: warm all of them
      baseline(direct, bedrock, p.warmupTurns(), p);
      watched(api, node.port(), bedrock, http, 1, p.warmupTurns(), 0, p);
      Watched first = null;
      int firstCount = 0;
      for (int w : p.watchers()) {
        Baseline base = baseline(direct, bedrock, p.turns(), p);
        Watched r = watched(api, node.port(), bedrock, http, w, 1, p.turns(), p);
        figure.accept(
            String.format(
                "  baseline, fake -> BedrockModelClient's delta sink, no node:  p50 %7.3f ms  p99"
                    + " %7.3f ms  (%d deltas%s)",
                base.latency().percentileMs(50),
                base.latency().percentileMs(99),
                base.latency().count(),
                base.missing() == 0 ? "" : ", " + base.missing() + " missing"));
        figure.accept(
            String.format(
                "  %5d watcher(s) of one session, fake -> WebSocket client: p50 %7.3f ms  p99"
                    + " %7.3f ms;  added by the node: p50 %+7.3f ms  p99 %+7.3f ms  (%d deliveries"
                    + " of %d deltas, offered at %.0f per s; %d missing, %d streams ended, %d"
                    + " failed turns)",
                w,
                r.latency().percentileMs(50),
                r.latency().percentileMs(99),
                r.latency().percentileMs(50) - base.latency().percentileMs(50),
                r.latency().percentileMs(99) - base.latency().percentileMs(99),
                r.latency().count(),
                (long) p.turns() * p.pieces(),
                w * 1000.0 / Math.max(1, p.everyMillis()),
                r.missing(),
                r.ended(),
                r.failedTurns()));
        String marginal = "";
        if (first == null) {
          first = r;
          firstCount = w;
        } else if (w > firstCount) {
          // what one more client costs: the CPU beyond the first figure's, per extra delivery
          double extra = (double) (w - firstCount) * p.pieces() / 1000;
          marginal =
              String.format(
                  "; per delivery beyond the %d-watcher run: node %.1f us, client %.1f us",
                  firstCount,
                  (r.nodeCpuMsPerTurn() - first.nodeCpuMsPerTurn()) / extra,
                  (r.clientCpuMsPerTurn() - first.clientCpuMsPerTurn()) / extra);
        }
        figure.accept(
            String.format(
                "        CPU per turn: node (and fake) %.1f ms, WebSocket clients %.1f ms, JIT"
                    + " compiler (left out) %.1f ms%s",
                r.nodeCpuMsPerTurn(), r.clientCpuMsPerTurn(), r.jitMsPerTurn(), marginal));
      }
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }

  private record Baseline(Stats latency, long missing) {}

  /** {@code turns} paced answers through the provider alone; each delta timed in its sink. */
  private static Baseline baseline(
      BedrockModelClient direct, FakeBedrock bedrock, int turns, Params p) throws Exception {
    LongSamples samples = new LongSamples();
    ModelRequest request =
        new ModelRequest(
            new ModelSpec("bedrock", ModelPathBench.PRICED_MODEL, null, false, List.of(), null),
            "Answer.",
            List.of(ChatMessage.user("go")),
            List.of());
    for (int t = 0; t < turns; t++) {
      bedrock.enqueue(paced(p));
      direct
          .converse(
              request,
              delta -> {
                long now = System.nanoTime();
                if (delta instanceof ModelDelta.Text text) {
                  samples.addAll(StreamWatcher.latencies(text.text(), now));
                }
              })
          .toCompletableFuture()
          .get(TURN_DELIVERED.toSeconds(), TimeUnit.SECONDS);
    }
    Stats stats = LongSamples.stats(List.of(samples));
    return new Baseline(stats, (long) turns * p.pieces() - stats.count());
  }

  /**
   * {@code nodeCpuMsPerTurn}: this JVM's CPU but the clients' threads and the JIT compiler's (node,
   * fake, harness, GC).
   */
  private record Watched(
      Stats latency,
      long missing,
      int ended,
      int failedTurns,
      double nodeCpuMsPerTurn,
      double clientCpuMsPerTurn,
      double jitMsPerTurn) {}

  /**
   * {@code count} WebSocket clients of one new session, then {@code warmup} turns not measured and
   * {@code turns} measured; each turn waits until every client has its TurnCompleted event.
   */
  private static Watched watched(
      Api api,
      int port,
      FakeBedrock bedrock,
      HttpClient http,
      int count,
      int warmup,
      int turns,
      Params p)
      throws Exception {
    String id = api.openSession(ItKeys.ACME_ALICE, AGENT);
    URI uri = URI.create("ws://127.0.0.1:" + port + "/v1/sessions/" + id + "/ws");
    AtomicBoolean recording = new AtomicBoolean();
    List<StreamWatcher> watchers = new ArrayList<>();
    List<LongSamples> samples = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      LongSamples s = new LongSamples();
      samples.add(s);
      watchers.add(new StreamWatcher(recording, s));
    }
    Opened opened = openAll(http, i -> uri, watchers);
    try {
      if (opened.failed() > 0) {
        throw new IllegalStateException(
            opened.failed() + " of " + count + " WebSockets failed: " + opened.firstError());
      }
      // this JVM's CPU only (node, clients and fake together): no other process to read
      CpuTimes cpu = new CpuTimes(0);
      long clientCpu = 0;
      long jitTicks = 0;
      int failedTurns = 0;
      for (int t = 0; t < warmup + turns; t++) {
        if (t == warmup) {
          recording.set(true);
          cpu.start();
          clientCpu = clientThreadsCpuNs();
          jitTicks = ProcessProbe.threadTicks("C1 CompilerThre", "C2 CompilerThre");
        }
        bedrock.enqueue(paced(p));
        Api.Response r =
            api.post(
                "/v1/sessions/" + id + "/messages?wait=60",
                ItKeys.ACME_ALICE,
                "{\"content\":\"turn " + t + "\"}");
        if (r.status() != 200 || !"completed".equals(r.text("status"))) {
          failedTurns++;
        }
        int done = t + 1;
        awaitAll(watchers, w -> w.turnsCompleted() >= done || w.ended(), TURN_DELIVERED);
      }
      cpu.stop();
      double clientMs = (clientThreadsCpuNs() - clientCpu) / 1e6;
      // the JIT compiling what the turns run is not what a delta costs once compiled
      double jitMs =
          (ProcessProbe.threadTicks("C1 CompilerThre", "C2 CompilerThre") - jitTicks)
              * ProcessProbe.TICK_MS;
      recording.set(false);
      long expected = (long) (warmup + turns) * p.pieces();
      long missing = 0;
      int ended = 0;
      for (StreamWatcher w : watchers) {
        missing += Math.max(0, expected - w.pieces());
        ended += w.ended() ? 1 : 0;
      }
      return new Watched(
          LongSamples.stats(samples),
          missing,
          ended,
          failedTurns,
          (cpu.nodeMs() - clientMs - jitMs) / Math.max(1, turns),
          clientMs / Math.max(1, turns),
          jitMs / Math.max(1, turns));
    } finally {
      opened.sockets().forEach(WebSocket::abort);
    }
  }

  /**
   * CPU time of the WebSocket clients' threads: their executor's, and the JDK client's selector
   * (which reads and decodes frames). The harness's own HttpClient for turns has one too; it sends
   * one request per turn.
   */
  private static long clientThreadsCpuNs() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null
          && (info.getThreadName().startsWith(CLIENT_THREAD)
              || info.getThreadName().startsWith("HttpClient-"))) {
        sum += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return sum;
  }

  private static FakeBedrock.Reply paced(Params p) {
    return FakeBedrock.Reply.paced(p.pieces(), p.everyMillis(), i -> StreamWatcher.stamp());
  }

  private static BedrockSettings directSettings(FakeBedrock bedrock) {
    return new BedrockSettings(
        Optional.of("us-east-1"),
        Optional.of(bedrock.endpoint()),
        Duration.ofSeconds(10),
        Duration.ofSeconds(30),
        8,
        1,
        Duration.ofMillis(5),
        Duration.ofMillis(40),
        Duration.ofSeconds(60));
  }

  // ---- idle connections ------------------------------------------------------------------------

  private static void idleConnections(
      CassandraTestKeyspaces keyspaces, HttpClient http, Params p, Consumer<String> figure)
      throws Exception {
    int port = FreePorts.pick(1)[0];
    String extra =
        "statehouse.session.passivate-after = 30m\n"
            + p.heartbeat().map(h -> "statehouse.api.streams.heartbeat = " + h + "\n").orElse("");
    Config overrides = NodeConfig.overrides(keyspaces, port, extra);
    Duration heartbeat =
        overrides
            .withFallback(ConfigFactory.load())
            .resolve()
            .getDuration("statehouse.api.streams.heartbeat");
    try (NodeProcess node =
        NodeProcess.start(
            "bench-streams",
            overrides,
            port,
            Duration.ofMinutes(3),
            List.of("-Xmx" + p.connNodeHeap()))) {
      Api api = new Api("127.0.0.1", port);
      api.putAgent(
          ItKeys.ACME_ALICE, IDLE_AGENT, Defs.agent("[]", "[" + Defs.text("ok") + "]", true, 0L));
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < p.connSessions(); i++) {
        ids.add(api.openSession(ItKeys.ACME_ALICE, IDLE_AGENT));
      }
      long self = ProcessHandle.current().pid();
      long nodeHeapBefore = ProcessProbe.heapAfterGc(node.pid(), 3);
      Map<String, long[]> classesBefore = ProcessProbe.histogram(node.pid());
      long clientHeapBefore = settledHeap();
      long nodeFdsBefore = ProcessProbe.openFds(node.pid());
      long clientFdsBefore = ProcessProbe.openFds(self);
      long nodeLimit = ProcessProbe.fdLimit(node.pid());
      long clientLimit = ProcessProbe.fdLimit(self);
      long fit =
          Math.min(
              nodeLimit - nodeFdsBefore - FD_RESERVE, clientLimit - clientFdsBefore - FD_RESERVE);
      int n = (int) Math.max(0, Math.min(p.connections(), fit));
      List<StreamWatcher> watchers = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        watchers.add(new StreamWatcher(new AtomicBoolean(), null));
      }
      long t0 = System.nanoTime();
      Opened opened =
          openAll(
              http,
              i ->
                  URI.create(
                      "ws://127.0.0.1:" + port + "/v1/sessions/" + ids.get(i % ids.size()) + "/ws"),
              watchers);
      double openSeconds = (System.nanoTime() - t0) / 1e9;
      try {
        // every stream has read its session's journal and is idle
        Thread.sleep(5_000);
        long nodeHeapAfter = ProcessProbe.heapAfterGc(node.pid(), 3);
        Map<String, long[]> classesAfter = ProcessProbe.histogram(node.pid());
        long clientHeapAfter = settledHeap();
        long nodeFdsAfter = ProcessProbe.openFds(node.pid());
        long clientFdsAfter = ProcessProbe.openFds(self);
        int open = opened.sockets().size();
        figure.accept(
            String.format(
                "-- live streams, idle WebSockets on one node (its own JVM, -Xmx%s): %d asked,"
                    + " %d fit the open-files limits (node %d, client %d; %d and %d in use before,"
                    + " %d kept in reserve each), %d opened in %.1f s (%d failed%s), spread over"
                    + " %d sessions",
                p.connNodeHeap(),
                p.connections(),
                n,
                nodeLimit,
                clientLimit,
                nodeFdsBefore,
                clientFdsBefore,
                FD_RESERVE,
                open,
                openSeconds,
                opened.failed(),
                opened.firstError() == null ? "" : ": " + opened.firstError(),
                ids.size()));
        figure.accept(
            String.format(
                "  node heap after full GC: %.1f MiB before, %.1f MiB with them open: %.1f KiB per"
                    + " connection; node fds %d -> %d",
                nodeHeapBefore / 1048576.0,
                nodeHeapAfter / 1048576.0,
                (nodeHeapAfter - nodeHeapBefore) / 1024.0 / Math.max(1, open),
                nodeFdsBefore,
                nodeFdsAfter));
        figure.accept(
            "  where it goes (node classes that grew most, per connection: bytes, instances): "
                + ProcessProbe.growth(classesBefore, classesAfter, open, 8));
        figure.accept(
            String.format(
                "  client side, for comparison (JDK WebSocket): %.1f KiB heap per connection;"
                    + " client fds %d -> %d",
                (clientHeapAfter - clientHeapBefore) / 1024.0 / Math.max(1, open),
                clientFdsBefore,
                clientFdsAfter));
        figure.accept(heartbeats(watchers, heartbeat, node.pid()));
      } finally {
        opened.sockets().forEach(WebSocket::abort);
      }
    }
  }

  /**
   * Whether heartbeats keep flowing: over two intervals, how many of 100 sampled connections got
   * one, how many arrived on all, how many streams ended, and the node's CPU meanwhile.
   */
  private static String heartbeats(List<StreamWatcher> watchers, Duration interval, long nodePid)
      throws InterruptedException {
    int[] before = new int[watchers.size()];
    for (int i = 0; i < before.length; i++) {
      before[i] = watchers.get(i).heartbeats();
    }
    // CpuTimes reads its second process from /proc: here the node's JVM
    CpuTimes nodeCpu = new CpuTimes(nodePid);
    long from = System.nanoTime();
    nodeCpu.start();
    Thread.sleep(interval.multipliedBy(2).toMillis());
    nodeCpu.stop();
    double seconds = (System.nanoTime() - from) / 1e9;
    int step = Math.max(1, watchers.size() / 100);
    int sampled = 0;
    int beat = 0;
    for (int i = 0; i < watchers.size(); i += step) {
      sampled++;
      StreamWatcher w = watchers.get(i);
      beat += w.lastHeartbeat() > from && !w.ended() ? 1 : 0;
    }
    long total = 0;
    int ended = 0;
    for (int i = 0; i < before.length; i++) {
      total += watchers.get(i).heartbeats() - before[i];
      ended += watchers.get(i).ended() ? 1 : 0;
    }
    return String.format(
        "  heartbeats every %d s: %d of %d sampled connections got one within 2 intervals; %d"
            + " heartbeats on all %d in %.1f s (%.2f per connection); %d streams ended; node CPU"
            + " meanwhile %.1f %% of a core",
        interval.toSeconds(),
        beat,
        sampled,
        total,
        watchers.size(),
        seconds,
        total / (double) Math.max(1, watchers.size()),
        ended,
        nodeCpu.cassandraMs() / (seconds * 10));
  }

  // ---- opening many sockets ------------------------------------------------------------------

  private record Opened(List<WebSocket> sockets, int failed, String firstError) {}

  /** Opens a socket for each watcher, {@link #OPENING_AT_ONCE} handshakes at a time. */
  private static Opened openAll(
      HttpClient http, java.util.function.IntFunction<URI> uri, List<StreamWatcher> watchers)
      throws InterruptedException {
    Semaphore slots = new Semaphore(OPENING_AT_ONCE);
    List<WebSocket> sockets = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<String> firstError = new AtomicReference<>();
    for (int i = 0; i < watchers.size(); i++) {
      slots.acquire();
      // a node that fails every handshake would otherwise be asked thousands of times more
      if (failed.get() > 100) {
        slots.release();
        break;
      }
      CompletableFuture<WebSocket> ws =
          StreamWatcher.open(http, uri.apply(i), ItKeys.ACME_ALICE, watchers.get(i))
              .orTimeout(TURN_DELIVERED.toSeconds(), TimeUnit.SECONDS);
      ws.whenComplete(
          (socket, error) -> {
            if (error == null) {
              sockets.add(socket);
            } else {
              failed.incrementAndGet();
              firstError.compareAndSet(null, String.valueOf(error));
            }
            slots.release();
          });
    }
    slots.acquire(OPENING_AT_ONCE);
    return new Opened(List.copyOf(sockets), failed.get(), firstError.get());
  }

  /** Waits until every watcher satisfies {@code done}, up to {@code within}. */
  private static void awaitAll(
      List<StreamWatcher> watchers, Predicate<StreamWatcher> done, Duration within)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline && !watchers.stream().allMatch(done)) {
      Thread.sleep(2);
    }
  }

  private static long settledHeap() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(500);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}

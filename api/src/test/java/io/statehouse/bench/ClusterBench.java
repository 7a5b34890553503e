package io.statehouse.bench;

import io.statehouse.api.it.Api;
import io.statehouse.api.it.LocalCluster;
import io.statehouse.persistence.cassandra.launcher.RunningCassandra;
import io.statehouse.runtime.testing.LocalHttpServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code cluster=only}: the turn workload against a cluster of node JVMs on this machine, one node
 * and then three (each its own process, on the same Cassandra), clients spread evenly over the
 * nodes. Both sizes run in the same harness run, so they compare like for like: the load generator
 * and the tool server stay in the harness's JVM, and "node CPU" is the node processes' own, summed.
 * Each size warms up its JVMs with the same load first.
 */
final class ClusterBench {
  private ClusterBench() {}

  static void run(
      RunningCassandra cassandra,
      LocalHttpServer tools,
      List<Integer> sizes,
      List<Integer> sessions,
      Duration warmup,
      Duration measure,
      Consumer<String> figure)
      throws Exception {
    for (int size : sizes) {
      try (LocalCluster cluster =
          LocalCluster.start(
              "bench-cluster-" + size,
              StatehouseBench.keyspaces(cassandra, "bench_cluster" + size),
              size,
              "",
              List.of("-Xms1g", "-Xmx1g"),
              Duration.ofMinutes(3))) {
        StatehouseBench.prepare(cluster.api(0), tools.url("/echo"));
        List<Api> apis = new ArrayList<>();
        for (int i = 0; i < size; i++) {
          apis.add(cluster.api(i));
        }
        for (int n : sessions) {
          TurnLoad.run(apis, StatehouseBench.AGENT, n, Duration.ZERO, warmup, cassandra.pid());
          long before = nodeTicks(cluster);
          TurnLoad.Result r =
              TurnLoad.run(apis, StatehouseBench.AGENT, n, Duration.ZERO, measure, cassandra.pid());
          double nodeCpuMs = (nodeTicks(cluster) - before) * CpuTimes.CLOCK_TICK_MS / r.turns();
          figure.accept(
              String.format(
                  "cluster of %d node%s  N=%-3d %7.1f turns/s  p50 %6.2f ms  p99 %7.2f ms  CPU/turn"
                      + " nodes %5.2f ms, Cassandra %5.2f ms, load generator + tools %5.2f ms"
                      + "  (%d turns%s)",
                  size,
                  size == 1 ? " " : "s",
                  n,
                  r.turnsPerSecond(),
                  r.latency().percentileMs(50),
                  r.latency().percentileMs(99),
                  nodeCpuMs,
                  r.cassandraCpuMs(),
                  r.nodeCpuMs(),
                  r.turns(),
                  r.errors() == 0 ? "" : ", " + r.errors() + " errors"));
        }
      }
    }
  }

  /** CPU time of every node process, in clock ticks. */
  private static long nodeTicks(LocalCluster cluster) {
    long ticks = 0;
    for (int i = 0; i < cluster.size(); i++) {
      ticks += CpuTimes.ticks(cluster.node(i).pid());
    }
    return ticks;
  }
}

package io.statehouse.bench;

import io.statehouse.api.StatehouseNode;
import io.statehouse.api.it.NodeConfig;
import io.statehouse.persistence.cassandra.launcher.RunningCassandra;
import io.statehouse.runtime.testing.LocalHttpServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * {@code telemetry=only}: what metrics and traces cost a turn. The turn load runs on three nodes in
 * turn, round after round so that run order (JIT, compaction) spreads evenly: telemetry off (no
 * metrics, no traces), metrics on (the default), and metrics and traces on, every span exported
 * over OTLP/HTTP to a receiver in this JVM that answers at once. Each round's figures are printed,
 * then the medians over rounds.
 */
final class TelemetryCost {
  private TelemetryCost() {}

  private record Variant(String name, String hocon) {}

  static void run(
      RunningCassandra cassandra,
      LocalHttpServer tools,
      List<Integer> sessionCounts,
      int rounds,
      Duration warmup,
      Duration measure,
      Consumer<String> figure)
      throws Exception {
    AtomicInteger exports = new AtomicInteger();
    try (LocalHttpServer collector =
        new LocalHttpServer()
            .on(
                "/v1/traces",
                (ex, body) -> {
                  exports.incrementAndGet();
                  LocalHttpServer.respond(ex, 200, "");
                })) {
      List<Variant> variants =
          List.of(
              new Variant("telemetry off", "statehouse.telemetry.metrics.enabled = off"),
              new Variant("metrics (default)", ""),
              new Variant(
                  "metrics + traces (OTLP)",
                  "statehouse.telemetry.otlp.endpoint = \"" + collector.url("/v1/traces") + "\""));
      Map<String, List<Double>> throughput = new HashMap<>();
      Map<String, List<Double>> p50 = new HashMap<>();
      Map<String, List<Double>> cpu = new HashMap<>();
      for (int round = 1; round <= rounds; round++) {
        for (Variant v : variants) {
          try (StatehouseNode node =
              StatehouseNode.start(
                  NodeConfig.full(
                      StatehouseBench.keyspaces(cassandra, "bench_tel" + round), 0, v.hocon()))) {
            var api = StatehouseBench.prepare(node, tools);
            for (int n : sessionCounts) {
              TurnLoad.Result r =
                  TurnLoad.run(api, StatehouseBench.AGENT, n, warmup, measure, cassandra.pid());
              figure.accept(StatehouseBench.turnLine("round " + round + " " + v.name(), r));
              String key = v.name() + " N=" + n;
              throughput.computeIfAbsent(key, k -> new ArrayList<>()).add(r.turnsPerSecond());
              p50.computeIfAbsent(key, k -> new ArrayList<>()).add(r.latency().percentileMs(50));
              cpu.computeIfAbsent(key, k -> new ArrayList<>()).add(r.nodeCpuMs());
            }
          }
        }
      }
      figure.accept(
          "-- medians over " + rounds + " rounds (spans exported: " + exports.get() + " requests)");
      for (int n : sessionCounts) {
        for (Variant v : variants) {
          String key = v.name() + " N=" + n;
          figure.accept(
              String.format(
                  "%-28s N=%-3d %7.1f turns/s  p50 %6.2f ms  CPU/turn (node + load generator) %5.2f ms",
                  v.name(),
                  n,
                  median(throughput.get(key)),
                  median(p50.get(key)),
                  median(cpu.get(key))));
        }
      }
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(Double::compare);
    int m = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted.get(m) : (sorted.get(m - 1) + sorted.get(m)) / 2;
  }
}

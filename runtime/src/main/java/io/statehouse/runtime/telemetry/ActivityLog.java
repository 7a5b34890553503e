package io.statehouse.runtime.telemetry;

import io.statehouse.runtime.CborSerializable;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the operators' dashboard charts, per tenant, for the last hour on this node: per minute the
 * turns that ended, tool calls, errors (failed turns and tool calls that did not succeed), tokens
 * and cost; and the recent latencies of each tool and model, to find the slowest. In memory only,
 * bounded: {@value #MINUTES} minute buckets, at most {@code maxNames} tool and model names per
 * tenant (the rest count as {@value #OTHER}), the last {@value #SAMPLES} latencies of each. Every
 * node keeps its own; the dashboard adds the nodes' snapshots up ({@link #merge}). Sessions of many
 * threads record at once: each tenant's figures are guarded by their own lock.
 */
public final class ActivityLog {
  public static final int MINUTES = 60;
  static final int SAMPLES = 256;
  static final String OTHER = "_other";

  /** One minute of a tenant's activity; {@code at} is the minute's start. */
  public record Minute(
      Instant at,
      long turns,
      long toolCalls,
      long errors,
      long inputTokens,
      long outputTokens,
      double costUsd)
      implements CborSerializable {}

  /** A tool's or model's latencies in the window, newest last, in milliseconds. */
  public record Latencies(String name, List<Double> ms) implements CborSerializable {}

  /** A tenant's last hour on one node (or, merged, on all of them). */
  public record Snapshot(List<Minute> minutes, List<Latencies> tools, List<Latencies> models)
      implements CborSerializable {}

  /** A ranking row of the slowest tools or models. */
  public record Slowest(String name, int calls, double p95Ms, double maxMs) {}

  private final Clock clock;
  private final int maxNames;
  private final Map<String, Tenant> tenants = new ConcurrentHashMap<>();

  public ActivityLog(Clock clock, int maxNames) {
    this.clock = clock;
    this.maxNames = maxNames;
  }

  /**
   * Where {@code tenant}'s data points go: a session resolves it once, like its label children, so
   * that recording is no map lookup.
   */
  Tenant tenant(String tenant) {
    return tenants.computeIfAbsent(tenant, k -> new Tenant());
  }

  void turnEnded(String tenant, boolean failed) {
    tenant(tenant).turnEnded(failed);
  }

  void toolCall(String tenant, String tool, boolean failed, double seconds) {
    tenant(tenant).toolCall(tool, failed, seconds);
  }

  void modelReplied(
      String tenant, String model, double seconds, long input, long output, double cost) {
    tenant(tenant).modelReplied(model, seconds, input, output, cost);
  }

  /** The tenant's last {@value #MINUTES} minutes, oldest first, empty minutes included. */
  public Snapshot snapshot(String tenant) {
    Tenant t = tenants.get(tenant);
    long now = minute();
    if (t == null) {
      return merge(List.of(), now);
    }
    return t.snapshot(now);
  }

  /** Several nodes' snapshots of one tenant as one: minutes added up, latencies pooled. */
  public static Snapshot merge(List<Snapshot> nodes, long nowMinute) {
    Map<Instant, long[]> counts = new HashMap<>();
    Map<Instant, Double> cost = new HashMap<>();
    Map<String, List<Double>> tools = new HashMap<>();
    Map<String, List<Double>> models = new HashMap<>();
    for (Snapshot s : nodes) {
      for (Minute m : s.minutes()) {
        long[] c = counts.computeIfAbsent(m.at(), k -> new long[5]);
        c[0] += m.turns();
        c[1] += m.toolCalls();
        c[2] += m.errors();
        c[3] += m.inputTokens();
        c[4] += m.outputTokens();
        cost.merge(m.at(), m.costUsd(), Double::sum);
      }
      s.tools()
          .forEach(l -> tools.computeIfAbsent(l.name(), k -> new ArrayList<>()).addAll(l.ms()));
      s.models()
          .forEach(l -> models.computeIfAbsent(l.name(), k -> new ArrayList<>()).addAll(l.ms()));
    }
    List<Minute> minutes = new ArrayList<>(MINUTES);
    for (long m = nowMinute - MINUTES + 1; m <= nowMinute; m++) {
      Instant at = Instant.ofEpochSecond(m * 60);
      long[] c = counts.getOrDefault(at, new long[5]);
      minutes.add(new Minute(at, c[0], c[1], c[2], c[3], c[4], cost.getOrDefault(at, 0.0)));
    }
    return new Snapshot(minutes, pooled(tools), pooled(models));
  }

  /** The current minute, in minutes since the epoch. */
  public long minute() {
    return clock.millis() / 60_000;
  }

  /** The {@code top} slowest by 95th percentile latency, slowest first. */
  public static List<Slowest> slowest(List<Latencies> latencies, int top) {
    List<Slowest> rows = new ArrayList<>();
    for (Latencies l : latencies) {
      if (l.ms().isEmpty()) {
        continue;
      }
      List<Double> sorted = new ArrayList<>(l.ms());
      sorted.sort(Double::compare);
      int p95 = (int) Math.ceil(0.95 * sorted.size()) - 1;
      rows.add(
          new Slowest(l.name(), sorted.size(), sorted.get(p95), sorted.get(sorted.size() - 1)));
    }
    rows.sort(Comparator.comparingDouble(Slowest::p95Ms).reversed());
    return List.copyOf(rows.subList(0, Math.min(top, rows.size())));
  }

  private static List<Latencies> pooled(Map<String, List<Double>> byName) {
    List<Latencies> out = new ArrayList<>();
    byName.forEach((name, ms) -> out.add(new Latencies(name, List.copyOf(ms))));
    out.sort(Comparator.comparing(Latencies::name));
    return out;
  }

  /** One tenant's ring of minutes and its latency samples. */
  final class Tenant {
    private final long[] minuteOf = new long[MINUTES];
    private final long[][] counts = new long[MINUTES][5];
    private final double[] cost = new double[MINUTES];
    final Map<String, Samples> tools = new HashMap<>();
    final Map<String, Samples> models = new HashMap<>();

    void turnEnded(boolean failed) {
      add(minute(), 1, 0, failed ? 1 : 0, 0, 0, 0);
    }

    void toolCall(String tool, boolean failed, double seconds) {
      long minute = minute();
      add(minute, 0, 1, failed ? 1 : 0, 0, 0, 0);
      if (seconds >= 0) {
        sample(tools, tool, minute, seconds * 1000);
      }
    }

    void modelReplied(String model, double seconds, long input, long output, double cost) {
      long minute = minute();
      add(minute, 0, 0, 0, input, output, cost);
      if (seconds >= 0) {
        sample(models, model, minute, seconds * 1000);
      }
    }

    private synchronized void add(
        long minute, long turns, long toolCalls, long errors, long in, long out, double usd) {
      int i = slot(minute);
      counts[i][0] += turns;
      counts[i][1] += toolCalls;
      counts[i][2] += errors;
      counts[i][3] += in;
      counts[i][4] += out;
      cost[i] += usd;
    }

    private synchronized void sample(
        Map<String, Samples> names, String name, long minute, double ms) {
      String key = names.containsKey(name) || names.size() < maxNames ? name : OTHER;
      names.computeIfAbsent(key, k -> new Samples()).add(minute, ms);
    }

    private int slot(long minute) {
      int i = (int) (minute % MINUTES);
      if (minuteOf[i] != minute) {
        minuteOf[i] = minute;
        counts[i] = new long[5];
        cost[i] = 0;
      }
      return i;
    }

    synchronized Snapshot snapshot(long now) {
      List<Minute> minutes = new ArrayList<>();
      for (int i = 0; i < MINUTES; i++) {
        if (minuteOf[i] > now - MINUTES && minuteOf[i] <= now) {
          long[] c = counts[i];
          minutes.add(
              new Minute(
                  Instant.ofEpochSecond(minuteOf[i] * 60), c[0], c[1], c[2], c[3], c[4], cost[i]));
        }
      }
      return merge(List.of(new Snapshot(minutes, recent(tools, now), recent(models, now))), now);
    }

    private List<Latencies> recent(Map<String, Samples> names, long now) {
      List<Latencies> out = new ArrayList<>();
      names.forEach(
          (name, s) -> {
            List<Double> ms = s.since(now - MINUTES + 1);
            if (!ms.isEmpty()) {
              out.add(new Latencies(name, ms));
            }
          });
      return out;
    }
  }

  /** The last {@value #SAMPLES} latencies of one name, with the minute of each. */
  private static final class Samples {
    private final long[] minutes = new long[SAMPLES];
    private final double[] ms = new double[SAMPLES];
    private int next;
    private int size;

    void add(long minute, double value) {
      minutes[next] = minute;
      ms[next] = value;
      next = (next + 1) % SAMPLES;
      size = Math.min(size + 1, SAMPLES);
    }

    List<Double> since(long minute) {
      List<Double> out = new ArrayList<>(size);
      for (int k = 0; k < size; k++) {
        int i = (next - size + k + SAMPLES) % SAMPLES;
        if (minutes[i] >= minute) {
          out.add(ms[i]);
        }
      }
      return out;
    }
  }
}

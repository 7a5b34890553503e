package io.statehouse.bench;

import java.util.Arrays;
import java.util.List;

/** Latency samples in nanoseconds and the figures the benchmark reports. */
final class Stats {
  private final long[] sorted;

  Stats(List<Long> samples) {
    this.sorted = samples.stream().mapToLong(Long::longValue).sorted().toArray();
  }

  int count() {
    return sorted.length;
  }

  double percentileMs(double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(i, sorted.length - 1))] / 1e6;
  }

  double meanMs() {
    return Arrays.stream(sorted).average().orElse(Double.NaN) / 1e6;
  }
}

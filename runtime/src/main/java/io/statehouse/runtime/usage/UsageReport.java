package io.statehouse.runtime.usage;

import io.statehouse.runtime.model.Usage;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sums ledger entries into a report's groups as they are read, so a report holds one row per group,
 * not per entry. Not thread-safe: one per report.
 */
public final class UsageReport {
  private final GroupBy by;
  private final Map<String, Sum> sums = new TreeMap<>();

  public UsageReport(GroupBy by) {
    this.by = by;
  }

  private static final class Sum {
    long modelCalls;
    Usage usage = Usage.ZERO;
  }

  public UsageReport add(UsageLedger.Entry entry) {
    Sum sum = sums.computeIfAbsent(by.keyOf(entry), k -> new Sum());
    sum.modelCalls += entry.modelCalls();
    sum.usage = sum.usage.plus(entry.usage());
    return this;
  }

  /** The groups in key order. */
  public List<UsageGroup> groups() {
    return sums.entrySet().stream()
        .map(e -> new UsageGroup(e.getKey(), e.getValue().modelCalls, e.getValue().usage))
        .toList();
  }
}

package io.statehouse.runtime.telemetry;

import io.prometheus.metrics.core.datapoints.DataPoint;
import io.prometheus.metrics.core.metrics.StatefulMetric;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A metric family whose label sets are bounded: once it holds {@code max} of them, a new set has
 * its tenant-chosen names (agents, models, tools) replaced by {@value StatehouseMetrics#OTHER}, so
 * the family grows by at most one set per tenant and bounded values from then on.
 *
 * <p>Resolving a data point builds its key and may take a lock; callers resolve once per session
 * incarnation and keep the data point, so events never do.
 */
final class CappedFamily<D extends DataPoint> {
  private static final int MAX_LABEL_CHARS = 128;

  private final StatefulMetric<D, ?> metric;
  private final boolean[] named;
  private final int max;
  private final Set<String> sets = ConcurrentHashMap.newKeySet();

  /**
   * {@code named}: for each label, whether a tenant chooses its values (those fold into {@value
   * StatehouseMetrics#OTHER}); the others (tenant, outcome, kind) take bounded values.
   */
  CappedFamily(StatefulMetric<D, ?> metric, int max, boolean... named) {
    this.metric = metric;
    this.named = named;
    this.max = max;
  }

  /** The data point of {@code values} (in label order), or its folded set past the cap. */
  D labels(String... values) {
    String[] v = new String[values.length];
    for (int i = 0; i < values.length; i++) {
      String s = values[i] == null ? "" : values[i];
      v[i] = s.length() > MAX_LABEL_CHARS ? s.substring(0, MAX_LABEL_CHARS) : s;
    }
    String key = String.join("\u0000", v);
    if (!sets.contains(key)) {
      if (sets.size() >= max) {
        for (int i = 0; i < v.length; i++) {
          if (named[i]) {
            v[i] = StatehouseMetrics.OTHER;
          }
        }
        key = String.join("\u0000", v);
      }
      // folded sets are admitted past the cap: there are few (tenants times bounded values)
      sets.add(key);
    }
    return metric.labelValues(v);
  }

  /** How many label sets the family holds. */
  int size() {
    return sets.size();
  }
}

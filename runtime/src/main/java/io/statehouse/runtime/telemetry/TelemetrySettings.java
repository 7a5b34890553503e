package io.statehouse.runtime.telemetry;

import com.typesafe.config.Config;

/**
 * What the node's metrics and traces may hold, from {@code statehouse.telemetry}.
 *
 * @param maxLabelSets the most distinct label sets one metric family keeps: tenants name their own
 *     agents, models and tools, so past this bound new names are counted under {@value
 *     StatehouseMetrics#OTHER} and a scrape stays bounded
 * @param captureContent whether spans carry message text, tool arguments and tool results (as the
 *     journal keeps them, after the agent's redaction); off by default, since traces leave the node
 *     for a collector that every tenant's data would then reach
 */
public record TelemetrySettings(int maxLabelSets, boolean captureContent) {

  public static final TelemetrySettings DEFAULTS = new TelemetrySettings(10_000, false);

  public TelemetrySettings {
    if (maxLabelSets < 1 || maxLabelSets > 1_000_000) {
      throw new IllegalArgumentException(
          "statehouse.telemetry.metrics.max-label-sets must be between 1 and 1000000, not "
              + maxLabelSets);
    }
  }

  public static TelemetrySettings fromConfig(Config root) {
    Config c = root.getConfig("statehouse.telemetry");
    return new TelemetrySettings(
        c.getInt("metrics.max-label-sets"), c.getBoolean("traces.capture-content"));
  }
}

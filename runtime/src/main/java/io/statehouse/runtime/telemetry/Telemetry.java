package io.statehouse.runtime.telemetry;

import io.opentelemetry.api.trace.Tracer;
import io.statehouse.runtime.session.SessionId;
import java.time.Clock;

/**
 * What a node observes its sessions with: the metric families (null: none) and the tracer of turns,
 * model and tool calls (null: traces are off). Each session incarnation gets its own {@link
 * SessionTelemetry}; with neither metrics nor traces, that is {@link SessionTelemetry#NONE}, which
 * sessions do not even call.
 */
public final class Telemetry {
  /** Nothing observed: behaviour tests, benchmarks of the bare runtime. */
  public static final Telemetry NONE = new Telemetry(null, null, TelemetrySettings.DEFAULTS);

  private final StatehouseMetrics metrics;
  private final Tracer tracer;
  private final TelemetrySettings settings;

  public Telemetry(StatehouseMetrics metrics, Tracer tracer, TelemetrySettings settings) {
    this.metrics = metrics;
    this.tracer = tracer;
    this.settings = settings;
  }

  /** The metric families, or null when the node keeps none. */
  public StatehouseMetrics metrics() {
    return metrics;
  }

  /** Whether turns are traced. */
  public boolean traces() {
    return tracer != null;
  }

  /**
   * The observer of one incarnation of session {@code id}, reading time from {@code clock} (the
   * clock its events are stamped with).
   */
  public SessionTelemetry forSession(SessionId id, Clock clock) {
    if (metrics == null && tracer == null) {
      return SessionTelemetry.NONE;
    }
    return new SessionTelemetry(
        clock,
        metrics == null ? null : new SessionMeters(metrics, id.tenant()),
        tracer == null ? null : new SessionSpans(tracer, id, settings.captureContent()));
  }
}

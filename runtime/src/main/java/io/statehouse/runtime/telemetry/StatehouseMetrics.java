package io.statehouse.runtime.telemetry;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The node's metric families, registered in one {@link PrometheusRegistry} (the api module renders
 * it at {@code GET /metrics} on the management port). Sessions feed them after each persisted batch
 * ({@link SessionTelemetry}); they never touch a session's state.
 *
 * <p>Labels are tenant, agent, model and tool names and bounded values (outcomes, token types),
 * never ids of sessions, header values or text. Each family holds at most {@link
 * TelemetrySettings#maxLabelSets()} label sets ({@link CappedFamily}). No family records exemplars:
 * the hot path never looks for a span.
 */
public final class StatehouseMetrics {
  /** The label value that stands for names past a family's cap. */
  public static final String OTHER = "_other";

  private static final double[] TURN_SECONDS = {
    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300
  };
  private static final double[] MODEL_SECONDS = {
    0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120
  };
  private static final double[] TOOL_SECONDS = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30
  };
  private static final double[] WRITE_SECONDS = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1
  };
  private static final double[] RECOVERY_SECONDS = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  final CappedFamily<CounterDataPoint> turns;
  final CappedFamily<DistributionDataPoint> turnDuration;
  final CappedFamily<DistributionDataPoint> modelDuration;
  final CappedFamily<CounterDataPoint> tokens;
  final CappedFamily<CounterDataPoint> cost;
  final CappedFamily<CounterDataPoint> toolCalls;
  final CappedFamily<DistributionDataPoint> toolDuration;
  final CappedFamily<CounterDataPoint> approvalsRequested;
  final CappedFamily<CounterDataPoint> approvalsDecided;
  final CappedFamily<GaugeDataPoint> approvalsPending;
  final DistributionDataPoint journalWrite;
  final GaugeDataPoint activeSessions;
  final CounterDataPoint passivations;
  final CounterDataPoint recoveries;
  final DistributionDataPoint recoveryDuration;
  private final GaugeDataPoint streamSubscribers;
  // the dashboard's last hour per tenant; at most this many tool and model names each
  private static final int ACTIVITY_NAMES = 200;
  final ActivityLog activity = new ActivityLog(java.time.Clock.systemUTC(), ACTIVITY_NAMES);

  public StatehouseMetrics(PrometheusRegistry registry, TelemetrySettings settings) {
    int max = settings.maxLabelSets();
    turns =
        new CappedFamily<>(
            Counter.builder()
                .name("statehouse_turns_total")
                .help("Turns that ended, by outcome (completed, failed, cancelled).")
                .labelNames("tenant", "agent", "outcome")
                .withoutExemplars()
                .register(registry),
            max,
            false,
            true,
            false);
    turnDuration =
        new CappedFamily<>(
            histogram("statehouse_turn_duration_seconds", TURN_SECONDS)
                .help("From a turn's start to its end (a wait for a human included).")
                .labelNames("tenant", "agent")
                .register(registry),
            max,
            false,
            true);
    modelDuration =
        new CappedFamily<>(
            histogram("statehouse_model_call_duration_seconds", MODEL_SECONDS)
                .help("From a model call's start to its answer (retries included).")
                .labelNames("tenant", "agent", "model")
                .register(registry),
            max,
            false,
            true,
            true);
    tokens =
        new CappedFamily<>(
            Counter.builder()
                .name("statehouse_model_tokens_total")
                .help("Tokens of model calls, by type (input, output, cache_read, cache_write).")
                .labelNames("tenant", "agent", "model", "type")
                .withoutExemplars()
                .register(registry),
            max,
            false,
            true,
            true,
            false);
    cost =
        new CappedFamily<>(
            Counter.builder()
                .name("statehouse_model_cost_usd_total")
                .help("What model calls cost, in US dollars, at the node's prices.")
                .labelNames("tenant", "agent", "model")
                .withoutExemplars()
                .register(registry),
            max,
            false,
            true,
            true);
    toolCalls =
        new CappedFamily<>(
            Counter.builder()
                .name("statehouse_tool_calls_total")
                .help(
                    "Tool calls the models asked for, by outcome (succeeded, failed, denied,"
                        + " outcome_unknown).")
                .labelNames("tenant", "agent", "tool", "outcome")
                .withoutExemplars()
                .register(registry),
            max,
            false,
            true,
            true,
            false);
    toolDuration =
        new CappedFamily<>(
            histogram("statehouse_tool_call_duration_seconds", TOOL_SECONDS)
                .help("From a tool call's start to its outcome (its retries included).")
                .labelNames("tenant", "agent", "tool")
                .register(registry),
            max,
            false,
            true,
            true);
    approvalsRequested =
        new CappedFamily<>(
            Counter.builder()
                .name("statehouse_approvals_requested_total")
                .help(
                    "Tool calls that came to wait for a human: a policy's approval, or an unknown"
                        + " outcome.")
                .labelNames("tenant")
                .withoutExemplars()
                .register(registry),
            max,
            false);
    approvalsDecided =
        new CappedFamily<>(
            Counter.builder()
                .name("statehouse_approvals_decided_total")
                .help(
                    "Waits for a human that ended, by decision (approved, denied, expired,"
                        + " resolved).")
                .labelNames("tenant", "decision")
                .withoutExemplars()
                .register(registry),
            max,
            false,
            false);
    approvalsPending =
        new CappedFamily<>(
            Gauge.builder()
                .name("statehouse_approvals_pending")
                .help(
                    "Tool calls waiting for a human in the sessions loaded on this node. A waiting"
                        + " session leaves memory after statehouse.session.passivate-after, and its"
                        + " waits with it: the approval queue lists them all.")
                .labelNames("tenant")
                .withoutExemplars()
                .register(registry),
            max,
            false);
    journalWrite =
        histogram("statehouse_journal_write_duration_seconds", WRITE_SECONDS)
            .help("How long a session's batch of events took to be written to the journal.")
            .register(registry)
            .labelValues();
    activeSessions =
        Gauge.builder()
            .name("statehouse_sessions_active")
            .help("Session entities in this node's memory.")
            .withoutExemplars()
            .register(registry)
            .labelValues();
    passivations =
        Counter.builder()
            .name("statehouse_session_passivations_total")
            .help("Idle sessions this node asked to leave memory.")
            .withoutExemplars()
            .register(registry)
            .labelValues();
    recoveries =
        Counter.builder()
            .name("statehouse_session_recoveries_total")
            .help(
                "Sessions read back from the journal (after passivation, a restart or a move to"
                    + " this node).")
            .withoutExemplars()
            .register(registry)
            .labelValues();
    recoveryDuration =
        histogram("statehouse_session_recovery_duration_seconds", RECOVERY_SECONDS)
            .help("From a session's start on this node until it had read its journal.")
            .register(registry)
            .labelValues();
    streamSubscribers =
        Gauge.builder()
            .name("statehouse_stream_subscribers")
            .help("Live-stream clients (SSE, WebSocket) connected to this node.")
            .withoutExemplars()
            .register(registry)
            .labelValues();
  }

  private static Histogram.Builder histogram(String name, double[] bounds) {
    return Histogram.builder()
        .name(name)
        .classicOnly()
        .classicUpperBounds(bounds)
        .withoutExemplars();
  }

  /** The gauge of live-stream clients: the stream hub's clients go up and down on it. */
  public GaugeDataPoint streamSubscribers() {
    return streamSubscribers;
  }

  /** Each tenant's last hour on this node, for the operators' dashboard. */
  public ActivityLog activity() {
    return activity;
  }
}

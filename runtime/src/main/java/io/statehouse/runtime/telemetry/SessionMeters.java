package io.statehouse.runtime.telemetry;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.statehouse.runtime.approval.ApprovalQueue;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.TurnStatus;
import java.util.HashMap;
import java.util.Map;

/**
 * One session incarnation's data points. A session's tenant, agent and model never change (its
 * agent is pinned when it opens), so each data point is resolved once, on first use, and kept:
 * events only add to numbers. Used on the session's thread only.
 */
final class SessionMeters {
  private static final String[] TOKEN_TYPES = {"input", "output", "cache_read", "cache_write"};

  private final StatehouseMetrics m;
  private final String tenant;
  // the dashboard's last hour of this session's tenant
  private final ActivityLog.Tenant activity;
  private String agent;
  private String model;
  private final CounterDataPoint[] turns = new CounterDataPoint[TurnStatus.values().length];
  private DistributionDataPoint turnDuration;
  private DistributionDataPoint modelDuration;
  private CounterDataPoint[] tokens;
  private CounterDataPoint cost;
  // by tool name: a session calls a handful of tools
  private final Map<String, ToolPoints> tools = new HashMap<>(8);
  private CounterDataPoint approvalsRequested;
  private final CounterDataPoint[] decided =
      new CounterDataPoint[ApprovalQueue.Status.values().length];
  private GaugeDataPoint pendingGauge;
  // what this incarnation added to the pending gauge, taken back when it stops
  private int pending;
  private boolean active;

  private static final class ToolPoints {
    final CounterDataPoint[] outcomes = new CounterDataPoint[ToolOutcome.values().length];
    DistributionDataPoint duration;
  }

  SessionMeters(StatehouseMetrics metrics, String tenant) {
    this.m = metrics;
    this.tenant = tenant;
    this.activity = metrics.activity.tenant(tenant);
  }

  /** The session's agent, once known (its creation, or its recovered state). */
  void bind(AgentSpec spec) {
    if (agent == null && spec != null) {
      agent = spec.name();
      model = GenAi.model(spec.model());
    }
  }

  void started() {
    if (!active) {
      active = true;
      m.activeSessions.inc();
    }
  }

  void stopped() {
    if (active) {
      active = false;
      m.activeSessions.dec();
    }
    pending(0);
  }

  /** A session was read back, in {@code seconds} (negative: not timed). */
  void recovered(double seconds) {
    m.recoveries.inc();
    if (seconds >= 0) {
      m.recoveryDuration.observe(seconds);
    }
  }

  void passivating() {
    m.passivations.inc();
  }

  void journalWrite(double seconds) {
    m.journalWrite.observe(seconds);
  }

  void turnEnded(TurnStatus outcome, double seconds) {
    activity.turnEnded(outcome == TurnStatus.FAILED);
    CounterDataPoint c = turns[outcome.ordinal()];
    if (c == null) {
      c = m.turns.labels(tenant, agent, outcome.wire());
      turns[outcome.ordinal()] = c;
    }
    c.inc();
    if (seconds >= 0) {
      if (turnDuration == null) {
        turnDuration = m.turnDuration.labels(tenant, agent);
      }
      turnDuration.observe(seconds);
    }
  }

  /** A model call answered after {@code seconds} (negative: its start is not known here). */
  void modelReplied(double seconds, Usage usage) {
    if (seconds >= 0) {
      if (modelDuration == null) {
        modelDuration = m.modelDuration.labels(tenant, agent, model);
      }
      modelDuration.observe(seconds);
    }
    if (usage == null) {
      activity.modelReplied(model, seconds, 0, 0, 0);
      return;
    }
    activity.modelReplied(
        model, seconds, usage.inputTokens(), usage.outputTokens(), usage.costUsd().doubleValue());
    if (tokens == null) {
      tokens = new CounterDataPoint[TOKEN_TYPES.length];
      for (int i = 0; i < TOKEN_TYPES.length; i++) {
        tokens[i] = m.tokens.labels(tenant, agent, model, TOKEN_TYPES[i]);
      }
      cost = m.cost.labels(tenant, agent, model);
    }
    tokens[0].inc(usage.inputTokens());
    tokens[1].inc(usage.outputTokens());
    tokens[2].inc(usage.cacheRead());
    tokens[3].inc(usage.cacheWrite());
    if (usage.costUsd().signum() > 0) {
      cost.inc(usage.costUsd().doubleValue());
    }
  }

  /** A tool call ended after {@code seconds} (negative: it never ran, or its start is unknown). */
  void toolCall(String tool, ToolOutcome outcome, double seconds) {
    activity.toolCall(tool, outcome != ToolOutcome.SUCCEEDED, seconds);
    ToolPoints t = tools.computeIfAbsent(tool, k -> new ToolPoints());
    CounterDataPoint c = t.outcomes[outcome.ordinal()];
    if (c == null) {
      c = m.toolCalls.labels(tenant, agent, tool, outcome.wire());
      t.outcomes[outcome.ordinal()] = c;
    }
    c.inc();
    if (seconds >= 0) {
      if (t.duration == null) {
        t.duration = m.toolDuration.labels(tenant, agent, tool);
      }
      t.duration.observe(seconds);
    }
  }

  void approvalRequested() {
    if (approvalsRequested == null) {
      approvalsRequested = m.approvalsRequested.labels(tenant);
    }
    approvalsRequested.inc();
  }

  void approvalDecided(ApprovalQueue.Status decision) {
    CounterDataPoint c = decided[decision.ordinal()];
    if (c == null) {
      c = m.approvalsDecided.labels(tenant, decision.wire());
      decided[decision.ordinal()] = c;
    }
    c.inc();
  }

  /** The session now has {@code now} tool calls waiting for a human. */
  void pending(int now) {
    if (now == pending) {
      return;
    }
    if (pendingGauge == null) {
      pendingGauge = m.approvalsPending.labels(tenant);
    }
    pendingGauge.inc(now - pending);
    pending = now;
  }
}

package io.statehouse.runtime.telemetry;

import static io.statehouse.runtime.testing.Specs.ALICE;
import static io.statehouse.runtime.testing.Specs.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.Limits;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.EventMeta;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionEvent.ApprovalGranted;
import io.statehouse.runtime.session.SessionEvent.ApprovalRequested;
import io.statehouse.runtime.session.SessionEvent.ModelCallStarted;
import io.statehouse.runtime.session.SessionEvent.ModelReplied;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionEvent.ToolCallDenied;
import io.statehouse.runtime.session.SessionEvent.ToolCallFailed;
import io.statehouse.runtime.session.SessionEvent.ToolCallStarted;
import io.statehouse.runtime.session.SessionEvent.ToolCallSucceeded;
import io.statehouse.runtime.session.SessionEvent.TurnCompleted;
import io.statehouse.runtime.session.SessionEvent.TurnFailed;
import io.statehouse.runtime.session.SessionEvent.UserMessageAdded;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.session.SessionState;
import io.statehouse.runtime.testing.PrometheusText;
import io.statehouse.runtime.testing.SettableClock;
import io.statehouse.runtime.testing.Specs;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The node's metrics as sessions feed them: sequences of persisted batches told to a session's
 * listener, rendered in the Prometheus text format and read back by a strict parser.
 */
class SessionMetricsTest {
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  private static final SessionId ID = new SessionId("acme", "ses_metrics1");

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final SettableClock clock = new SettableClock(T0);

  /**
   * One session's journal: batches of events built against the current head, each told to the
   * session's telemetry when the clock says it was written.
   */
  private final class Session {
    final SessionTelemetry telemetry;
    SessionState state = SessionState.empty();
    long seq;

    Session(Telemetry t, SessionId id) {
      telemetry = t.forSession(id, clock);
    }

    /** Events stamped {@code at}, told to the listener {@code writeMillis} later. */
    @SafeVarargs
    final Session batch(Instant at, long writeMillis, Function<EventMeta, SessionEvent>... events) {
      SessionState before = state;
      List<SessionEvent> written = new ArrayList<>();
      for (Function<EventMeta, SessionEvent> e : events) {
        SessionEvent event = e.apply(new EventMeta(at, "runtime", state.auditHead()));
        state = state.apply(event);
        written.add(event);
        seq++;
      }
      clock.set(at.plusMillis(writeMillis));
      telemetry.persisted(before, state, written, seq);
      return this;
    }
  }

  private Telemetry telemetry(int maxLabelSets) {
    TelemetrySettings settings = new TelemetrySettings(maxLabelSets, false);
    return new Telemetry(new StatehouseMetrics(registry, settings), null, settings);
  }

  private static AgentSpec agent(String name, String model) {
    return new AgentSpec(
        name,
        3,
        "",
        "",
        new ModelSpec("bedrock", model, null, false, List.of()),
        List.of("search", "pay"),
        new Limits(10, 0, null));
  }

  private static Function<EventMeta, SessionEvent> created(AgentSpec agent) {
    return m ->
        new SessionCreated(
            m,
            ID.id(),
            ALICE,
            agent,
            List.of(Specs.tool("search", true), Specs.tool("pay", false)),
            Map.of());
  }

  private String scrape() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
    return out.toString(StandardCharsets.UTF_8);
  }

  private PrometheusText parsed() throws Exception {
    return PrometheusText.parse(scrape());
  }

  private static Instant at(double seconds) {
    return T0.plus(Duration.ofMillis(Math.round(seconds * 1000)));
  }

  @Test
  void aTurnWithToolCallsCountsTheTurnItsModelCallsTokensCostToolOutcomesAndWrites()
      throws Exception {
    Session s = new Session(telemetry(10_000), ID);
    s.batch(at(0), 5, created(agent("refunds", "claude-x")))
        .batch(
            at(1),
            10,
            m -> new UserMessageAdded(m, "t1", "refund order 7", null, null),
            m -> new ModelCallStarted(m, "t1", 1))
        // the model answered 2 s after the call started (1.010, when the start was written)
        .batch(
            at(3.010),
            4,
            m ->
                new ModelReplied(
                    m,
                    "t1",
                    1,
                    null,
                    List.of(
                        new ToolUse("c1", "search", json("{\"q\":\"7\"}")),
                        new ToolUse("c2", "pay", json("{\"q\":\"7\"}"))),
                    "tool_use",
                    new Usage(100, 20, new BigDecimal("0.25"), 30L, null)),
            m -> new ToolCallStarted(m, "t1", "c1", "search", json("{\"q\":\"7\"}"), "k1", 1),
            m -> new ToolCallStarted(m, "t1", "c2", "pay", json("{\"q\":\"7\"}"), "k2", 1))
        // search answered 0.5 s after its start was written (3.014)
        .batch(at(3.514), 2, m -> new ToolCallSucceeded(m, "t1", "c1", "{}", 1, 500))
        .batch(
            at(4.014),
            6,
            m -> new ToolCallFailed(m, "t1", "c2", "http_400", "no", 1),
            m -> new ModelCallStarted(m, "t1", 2))
        .batch(
            at(5.020),
            3,
            m ->
                new ModelReplied(
                    m, "t1", 2, "refunded", List.of(), "end_turn", new Usage(200, 10, null)),
            m -> new TurnCompleted(m, "t1", "refunded", new Usage(300, 30, null)));

    PrometheusText metrics = parsed();
    String[] who = {"tenant", "acme", "agent", "refunds"};
    assertEquals(1.0, metrics.value("statehouse_turns_total", with(who, "outcome", "completed")));
    assertEquals(1.0, metrics.value("statehouse_turn_duration_seconds_count", who));
    assertEquals(4.020, metrics.value("statehouse_turn_duration_seconds_sum", who), 1e-9);
    assertEquals(
        1.0,
        metrics.value("statehouse_turn_duration_seconds_bucket", with(who, "le", "5.0")),
        "a turn of 4.02 s is in the 5 s bucket");

    String[] model = with(who, "model", "claude-x");
    assertEquals(2.0, metrics.value("statehouse_model_call_duration_seconds_count", model));
    // 3.010 - 1.010 and 5.020 - 4.020
    assertEquals(3.0, metrics.value("statehouse_model_call_duration_seconds_sum", model), 1e-9);
    assertEquals(
        300.0, metrics.value("statehouse_model_tokens_total", with(model, "type", "input")));
    assertEquals(
        30.0, metrics.value("statehouse_model_tokens_total", with(model, "type", "output")));
    assertEquals(
        30.0, metrics.value("statehouse_model_tokens_total", with(model, "type", "cache_read")));
    assertEquals(0.25, metrics.value("statehouse_model_cost_usd_total", model), 1e-9);

    assertEquals(
        1.0,
        metrics.value(
            "statehouse_tool_calls_total", with(who, "tool", "search", "outcome", "succeeded")));
    assertEquals(
        1.0,
        metrics.value(
            "statehouse_tool_calls_total", with(who, "tool", "pay", "outcome", "failed")));
    assertEquals(
        0.5,
        metrics.value("statehouse_tool_call_duration_seconds_sum", with(who, "tool", "search")),
        1e-9);

    // six batches, written in 5+10+4+2+6+3 ms
    assertEquals(6.0, metrics.value("statehouse_journal_write_duration_seconds_count"));
    assertEquals(0.030, metrics.value("statehouse_journal_write_duration_seconds_sum"), 1e-9);

    String text = scrape();
    assertFalse(text.contains("ses_metrics1"), "no session id is a label value");
    assertFalse(text.contains("refund order"), "no message text reaches the metrics");
  }

  @Test
  void aFailedTurnAndADeniedCallAreCountedByOutcome() throws Exception {
    Session s = new Session(telemetry(10_000), ID);
    s.batch(at(0), 1, created(agent("refunds", "claude-x")))
        .batch(
            at(1),
            1,
            m -> new UserMessageAdded(m, "t1", "pay", null, null),
            m -> new ModelCallStarted(m, "t1", 1))
        .batch(
            at(2),
            1,
            m ->
                new ModelReplied(
                    m,
                    "t1",
                    1,
                    null,
                    List.of(new ToolUse("c1", "pay", json("{}"))),
                    "tool_use",
                    Usage.ZERO),
            m -> new ToolCallDenied(m, "t1", "c1", "pay", json("{}"), "policy_denied", 0, "no"),
            m -> new ModelCallStarted(m, "t1", 2))
        .batch(at(3), 1, m -> new TurnFailed(m, "t1", "max_steps", "too many"));

    PrometheusText metrics = parsed();
    assertEquals(
        1.0, metrics.value("statehouse_turns_total", "agent", "refunds", "outcome", "failed"));
    assertNull(metrics.value("statehouse_turns_total", "outcome", "completed"));
    assertEquals(
        1.0, metrics.value("statehouse_tool_calls_total", "tool", "pay", "outcome", "denied"));
  }

  @Test
  void pendingApprovalsRiseWhileACallWaitsAndFallWhenItIsDecidedOrItsTurnEnds() throws Exception {
    Session s = new Session(telemetry(10_000), ID);
    s.batch(at(0), 1, created(agent("refunds", "claude-x")))
        .batch(
            at(1),
            1,
            m -> new UserMessageAdded(m, "t1", "pay", null, null),
            m -> new ModelCallStarted(m, "t1", 1))
        .batch(
            at(2),
            1,
            m ->
                new ModelReplied(
                    m,
                    "t1",
                    1,
                    null,
                    List.of(
                        new ToolUse("c1", "pay", json("{}")), new ToolUse("c2", "pay", json("{}"))),
                    "tool_use",
                    Usage.ZERO),
            approval("c1", "a1"),
            approval("c2", "a2"));

    assertEquals(2.0, parsed().value("statehouse_approvals_pending", "tenant", "acme"));
    assertEquals(2.0, parsed().value("statehouse_approvals_requested_total", "tenant", "acme"));

    s.batch(
        at(3),
        1,
        m -> new ApprovalGranted(m, "t1", "c1", "a1", "bob", "approver", "ok"),
        m -> new ToolCallStarted(m, "t1", "c1", "pay", json("{}"), "k1", 1));
    assertEquals(1.0, parsed().value("statehouse_approvals_pending", "tenant", "acme"));
    assertEquals(1.0, parsed().value("statehouse_approvals_decided_total", "decision", "approved"));

    // the turn fails while c2 still waits: its wait ends undecided
    s.batch(at(4), 1, m -> new TurnFailed(m, "t1", "session_closed", "closed"));
    PrometheusText metrics = parsed();
    assertEquals(0.0, metrics.value("statehouse_approvals_pending", "tenant", "acme"));
    assertEquals(1.0, metrics.value("statehouse_approvals_decided_total", "decision", "cancelled"));
  }

  private static Function<EventMeta, SessionEvent> approval(String callId, String approvalId) {
    return m ->
        new ApprovalRequested(
            m, "t1", callId, approvalId, "pay", json("{}"), 0, "big", List.of("approver"), null);
  }

  @Test
  void anIncarnationCountsWhileItLivesAndTakesItsWaitsAlongWhenItStops() throws Exception {
    Telemetry t = telemetry(10_000);
    Session first = new Session(t, ID);
    first
        .batch(at(0), 1, created(agent("refunds", "claude-x")))
        .batch(
            at(1),
            1,
            m -> new UserMessageAdded(m, "t1", "pay", null, null),
            m -> new ModelCallStarted(m, "t1", 1))
        .batch(
            at(2),
            1,
            m ->
                new ModelReplied(
                    m,
                    "t1",
                    1,
                    null,
                    List.of(new ToolUse("c1", "pay", json("{}"))),
                    "tool_use",
                    Usage.ZERO),
            approval("c1", "a1"));
    SessionState waiting = first.state;

    // a new incarnation (on this node) reads the journal back, while the old one is gone
    SessionTelemetry second = t.forSession(ID, clock);
    second.recovered(waiting);
    PrometheusText metrics = parsed();
    assertEquals(1.0, metrics.value("statehouse_sessions_active"));
    assertEquals(1.0, metrics.value("statehouse_session_recoveries_total"));
    assertEquals(1.0, metrics.value("statehouse_session_recovery_duration_seconds_count"));
    assertEquals(
        2.0,
        metrics.value("statehouse_approvals_pending", "tenant", "acme"),
        "the first incarnation never stopped: its share is still counted");

    first.telemetry.stopped();
    second.passivating();
    second.stopped();
    metrics = parsed();
    assertEquals(0.0, metrics.value("statehouse_sessions_active"));
    assertEquals(0.0, metrics.value("statehouse_approvals_pending", "tenant", "acme"));
    assertEquals(1.0, metrics.value("statehouse_session_passivations_total"));
  }

  @Test
  void pastTheCapNewAgentsModelsAndToolsAreCountedAsOther() throws Exception {
    Telemetry t = telemetry(2);
    for (int i = 1; i <= 4; i++) {
      String agent = "agent-" + i;
      Session s = new Session(t, new SessionId("acme", "ses_cap" + i));
      s.batch(at(0), 1, created(agent(agent, "model-" + i)))
          .batch(
              at(1),
              1,
              m -> new UserMessageAdded(m, "t1", "hi", null, null),
              m -> new ModelCallStarted(m, "t1", 1))
          .batch(
              at(2),
              1,
              m -> new ModelReplied(m, "t1", 1, "hello", List.of(), "end_turn", Usage.ZERO),
              m -> new TurnCompleted(m, "t1", "hello", Usage.ZERO));
    }

    PrometheusText metrics = parsed();
    assertEquals(1.0, metrics.value("statehouse_turns_total", "agent", "agent-1"));
    assertEquals(1.0, metrics.value("statehouse_turns_total", "agent", "agent-2"));
    assertNull(metrics.value("statehouse_turns_total", "agent", "agent-3"));
    assertEquals(2.0, metrics.value("statehouse_turns_total", "agent", "_other"));
    assertEquals(
        3, metrics.samples("statehouse_turns_total").size(), "two label sets and the folded one");
    assertEquals(
        2.0,
        metrics.value("statehouse_model_call_duration_seconds_count", "model", "_other"),
        "models fold as agents do");
    assertTrue(
        metrics.samples("statehouse_model_tokens_total", "model", "model-4").isEmpty(),
        "no label set past the cap names a tenant's own model");
  }

  @Test
  void labelValuesWithQuotesBackslashesAndLineFeedsAreEscapedAndReadBack() throws Exception {
    String model = "evil\"} 1\nstatehouse_x{a=\"\\";
    Session s = new Session(telemetry(10_000), ID);
    s.batch(at(0), 1, created(agent("refunds", model)))
        .batch(
            at(1),
            1,
            m -> new UserMessageAdded(m, "t1", "hi", null, null),
            m -> new ModelCallStarted(m, "t1", 1))
        .batch(
            at(2),
            1,
            m ->
                new ModelReplied(
                    m, "t1", 1, "hello", List.of(), "end_turn", new Usage(7, 1, null)));

    PrometheusText metrics = parsed();
    assertEquals(
        7.0, metrics.value("statehouse_model_tokens_total", "model", model, "type", "input"));
    assertFalse(
        metrics.families().containsKey("statehouse_x"), "a label value cannot forge a series");
  }

  private static String[] with(String[] labels, String... more) {
    String[] all = new String[labels.length + more.length];
    System.arraycopy(labels, 0, all, 0, labels.length);
    System.arraycopy(more, 0, all, labels.length, more.length);
    return all;
  }
}

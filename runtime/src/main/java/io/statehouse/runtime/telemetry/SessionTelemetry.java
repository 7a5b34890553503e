package io.statehouse.runtime.telemetry;

import io.statehouse.runtime.approval.ApprovalQueue;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionEvent.ApprovalDenied;
import io.statehouse.runtime.session.SessionEvent.ApprovalGranted;
import io.statehouse.runtime.session.SessionEvent.ApprovalRequested;
import io.statehouse.runtime.session.SessionEvent.ModelCallStarted;
import io.statehouse.runtime.session.SessionEvent.ModelReplied;
import io.statehouse.runtime.session.SessionEvent.OutcomeDecided;
import io.statehouse.runtime.session.SessionEvent.QueuedTurnStarted;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionEvent.ToolCallDenied;
import io.statehouse.runtime.session.SessionEvent.ToolCallFailed;
import io.statehouse.runtime.session.SessionEvent.ToolCallOutcomeUnknown;
import io.statehouse.runtime.session.SessionEvent.ToolCallStarted;
import io.statehouse.runtime.session.SessionEvent.ToolCallSucceeded;
import io.statehouse.runtime.session.SessionEvent.TurnCancelled;
import io.statehouse.runtime.session.SessionEvent.TurnCompleted;
import io.statehouse.runtime.session.SessionEvent.TurnFailed;
import io.statehouse.runtime.session.SessionEvent.TurnResumed;
import io.statehouse.runtime.session.SessionEvent.UserMessageAdded;
import io.statehouse.runtime.session.SessionListener;
import io.statehouse.runtime.session.SessionState;
import io.statehouse.runtime.session.ToolCallState;
import io.statehouse.runtime.session.Turn;
import io.statehouse.runtime.session.TurnStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one session incarnation tells the node's metrics and traces. It is one of the session's
 * listeners: after each persisted batch it reads the events (and the states around them) and never
 * changes the session; the session's signals (its recovery, its stop, its passivation) and the
 * turns it accepts with a caller's trace context reach it through the methods below.
 *
 * <p>Latencies come from the events' own timestamps where they say when something happened (a
 * turn's start, a model's answer, a tool's outcome) and from the session's clock when this listener
 * is told (just after a write, just before the effects the batch starts), so nothing on the turn's
 * path is timed twice. Used on the session's thread only.
 */
public final class SessionTelemetry implements SessionListener {
  /** Observes nothing. */
  public static final SessionTelemetry NONE = new SessionTelemetry(null, null, null);

  private final Clock clock;
  private final SessionMeters meters;
  private final SessionSpans spans;
  private final long createdNanos = System.nanoTime();
  private boolean recoveredOnce;
  // the running turn, as this incarnation knows it
  private String turnId;
  private Instant turnStartedAt;
  // when the model call in flight started, null when none (or started before this incarnation)
  private Instant chatStartedAt;
  // the current step's tool calls, by call id: their tool, and when they started
  private final Map<String, Call> calls = new HashMap<>(8);

  private static final class Call {
    final String tool;
    Instant startedAt;

    Call(String tool) {
      this.tool = tool;
    }
  }

  SessionTelemetry(Clock clock, SessionMeters meters, SessionSpans spans) {
    this.clock = clock;
    this.meters = meters;
    this.spans = spans;
  }

  /** Whether anything is observed; a session does not listen with {@link #NONE}. */
  public boolean active() {
    return meters != null || spans != null;
  }

  // ---- signals -------------------------------------------------------------------------------

  /** The incarnation read its journal: {@code state} is what it holds. */
  public void recovered(SessionState state) {
    if (!active()) {
      return;
    }
    bind(state);
    if (meters != null) {
      meters.started();
      if (state.exists()) {
        // a restart after a failed write recovers again; only the first recovery is timed
        meters.recovered(recoveredOnce ? -1 : (System.nanoTime() - createdNanos) / 1e9);
      }
      meters.pending(waiting(state.turn()));
    }
    recoveredOnce = true;
    Turn turn = state.turn();
    if (turn != null) {
      turnId = turn.turnId();
      turnStartedAt = turn.startedAt();
      calls.clear();
      for (ToolCallState c : turn.calls()) {
        calls.put(c.callId(), new Call(c.tool()));
      }
    }
  }

  /** The session asked to leave memory (it is idle). */
  public void passivating() {
    if (meters != null) {
      meters.passivating();
    }
  }

  /** The incarnation stopped: spans still open end, its share of gauges is taken back. */
  public void stopped() {
    if (meters != null) {
      meters.stopped();
    }
    if (spans != null) {
      spans.stopped(clock.instant());
    }
  }

  /**
   * Turn {@code newTurnId} is about to be persisted for a caller who sent trace context {@code
   * parent} (null: none): the turn's span will be its child.
   */
  public void expectTurn(String newTurnId, TraceParent parent) {
    if (spans != null && parent != null) {
      spans.expect(newTurnId, parent);
    }
  }

  /** The W3C context tool call {@code callId} runs under, for the tool; null when none. */
  public TraceParent toolTrace(String callId) {
    return spans == null ? null : spans.toolContext(callId);
  }

  // ---- events --------------------------------------------------------------------------------

  @Override
  public void persisted(
      SessionState before, SessionState after, List<SessionEvent> events, long lastSeq) {
    Instant now = clock.instant();
    if (meters != null) {
      meters.journalWrite(seconds(events.get(0).meta().at(), now));
    }
    int requested = 0;
    int decided = 0;
    for (SessionEvent e : events) {
      if (e instanceof SessionCreated c) {
        bindAgent(c);
      } else if (e instanceof UserMessageAdded u) {
        turnStarted(u.turnId(), u.meta().at(), false, u.content());
      } else if (e instanceof QueuedTurnStarted q) {
        turnStarted(
            q.turnId(),
            q.meta().at(),
            false,
            before.queuedTurn(q.turnId()).map(m -> m.content()).orElse(null));
      } else if (e instanceof TurnResumed r) {
        resumed(r, after, now);
      } else if (e instanceof ModelCallStarted m) {
        chatStartedAt = now;
        calls.clear();
        if (spans != null) {
          spans.chatStarted(now, m.step());
        }
      } else if (e instanceof ModelReplied r) {
        modelReplied(r);
      } else if (e instanceof ToolCallStarted t) {
        Call call = calls.computeIfAbsent(t.callId(), k -> new Call(t.tool()));
        call.startedAt = now;
        if (spans != null) {
          spans.toolStarted(t.callId(), t.tool(), now, t.input());
        }
      } else if (e instanceof ToolCallSucceeded s) {
        toolEnded(s.callId(), ToolOutcome.SUCCEEDED, s.meta().at(), null, s.attempts(), s.output());
      } else if (e instanceof ToolCallFailed f) {
        toolEnded(f.callId(), ToolOutcome.FAILED, f.meta().at(), f.code(), f.attempts(), null);
      } else if (e instanceof ToolCallOutcomeUnknown u) {
        requested++;
        toolEnded(
            u.callId(), ToolOutcome.OUTCOME_UNKNOWN, u.meta().at(), "outcome_unknown", 0, null);
      } else if (e instanceof ToolCallDenied d) {
        calls.remove(d.callId());
        if (meters != null) {
          meters.toolCall(d.tool(), ToolOutcome.DENIED, -1);
        }
      } else if (e instanceof ApprovalRequested) {
        requested++;
      } else if (e instanceof ApprovalGranted) {
        decided++;
        decided(ApprovalQueue.Status.APPROVED);
      } else if (e instanceof ApprovalDenied d) {
        decided++;
        decided(d.expired() ? ApprovalQueue.Status.EXPIRED : ApprovalQueue.Status.DENIED);
        Call call = calls.remove(d.callId());
        if (meters != null && call != null) {
          meters.toolCall(call.tool, ToolOutcome.DENIED, -1);
        }
      } else if (e instanceof OutcomeDecided) {
        decided++;
        decided(ApprovalQueue.Status.RESOLVED);
      } else if (e instanceof TurnCompleted c) {
        turnEnded(c.turnId(), TurnStatus.COMPLETED, c.meta().at(), null, c.usage());
      } else if (e instanceof TurnFailed f) {
        turnEnded(f.turnId(), TurnStatus.FAILED, f.meta().at(), f.code(), null);
      } else if (e instanceof TurnCancelled c) {
        turnEnded(c.turnId(), TurnStatus.CANCELLED, c.meta().at(), "cancelled", null);
      }
    }
    if (meters != null) {
      int waitingAfter = waiting(after.turn());
      for (int i = 0; i < requested; i++) {
        meters.approvalRequested();
      }
      // waits that ended without a decision: their turn failed, was cancelled or closed
      int cancelled = waiting(before.turn()) + requested - decided - waitingAfter;
      for (int i = 0; i < cancelled; i++) {
        meters.approvalDecided(ApprovalQueue.Status.CANCELLED);
      }
      meters.pending(waitingAfter);
    }
  }

  private void bind(SessionState state) {
    if (state.agent() != null) {
      if (meters != null) {
        meters.bind(state.agent());
      }
      if (spans != null) {
        spans.bind(state.agent());
      }
    }
  }

  private void bindAgent(SessionCreated c) {
    if (meters != null) {
      meters.bind(c.agent());
    }
    if (spans != null) {
      spans.bind(c.agent());
    }
  }

  private void turnStarted(String id, Instant at, boolean resumed, String text) {
    turnId = id;
    turnStartedAt = at;
    chatStartedAt = null;
    calls.clear();
    if (spans != null) {
      spans.turnStarted(id, at, resumed, text);
    }
  }

  /**
   * A turn picked up after a restart: a new span (the old one ended with its incarnation), and the
   * model call issued again is timed from now.
   */
  private void resumed(TurnResumed r, SessionState after, Instant now) {
    if (spans != null && !spans.hasTurn(r.turnId())) {
      spans.turnStarted(r.turnId(), now, true, null);
    }
    Turn turn = after.turn();
    if (turn != null && turn.modelCallInFlight()) {
      chatStartedAt = now;
      if (spans != null && !spans.chatOpen()) {
        spans.chatStarted(now, turn.modelCalls());
      }
    }
  }

  private void modelReplied(ModelReplied r) {
    if (meters != null) {
      meters.modelReplied(
          chatStartedAt == null ? -1 : seconds(chatStartedAt, r.meta().at()), r.usage());
    }
    chatStartedAt = null;
    if (spans != null) {
      spans.chatReplied(r.meta().at(), r.usage(), r.stopReason(), r.text());
    }
    for (ToolUse use : r.toolUses()) {
      calls.put(use.id(), new Call(use.name()));
    }
  }

  private void toolEnded(
      String callId,
      ToolOutcome outcome,
      Instant at,
      String errorType,
      int attempts,
      String result) {
    Call call = calls.remove(callId);
    if (meters != null && call != null) {
      meters.toolCall(
          call.tool, outcome, call.startedAt == null ? -1 : seconds(call.startedAt, at));
    }
    if (spans != null) {
      spans.toolEnded(callId, at, errorType, attempts, result);
    }
  }

  private void decided(ApprovalQueue.Status decision) {
    if (meters != null) {
      meters.approvalDecided(decision);
    }
  }

  private void turnEnded(String id, TurnStatus outcome, Instant at, String errorType, Usage usage) {
    if (meters != null) {
      meters.turnEnded(
          outcome, id.equals(turnId) && turnStartedAt != null ? seconds(turnStartedAt, at) : -1);
    }
    if (spans != null) {
      spans.turnEnded(at, errorType, usage);
    }
    turnId = null;
    turnStartedAt = null;
    chatStartedAt = null;
    calls.clear();
  }

  /** Tool calls of {@code turn} waiting for a human: an approval, or an unknown outcome. */
  private static int waiting(Turn turn) {
    if (turn == null) {
      return 0;
    }
    int n = 0;
    for (ToolCallState c : turn.calls()) {
      if (c.awaitingApproval() || c.status() == ToolCallState.Status.UNKNOWN) {
        n++;
      }
    }
    return n;
  }

  private static double seconds(Instant from, Instant to) {
    double s =
        (to.getEpochSecond() - from.getEpochSecond()) + (to.getNano() - from.getNano()) / 1e9;
    return s < 0 ? 0 : s;
  }
}

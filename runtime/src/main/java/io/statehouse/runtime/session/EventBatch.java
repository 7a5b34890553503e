package io.statehouse.runtime.session;

import io.statehouse.runtime.audit.AuditChain;
import io.statehouse.runtime.model.Prices;
import io.statehouse.runtime.session.SessionEvent.ModelCallStarted;
import io.statehouse.runtime.session.SessionEvent.TurnFailed;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The events one command persists, built in order against the state they lead to. Each event's
 * {@code prevHash} is the hash of the one before it (in the journal or in this batch), and later
 * decisions in the same command see the state the earlier events produce. Persisted as one atomic
 * write.
 */
final class EventBatch {
  private final Instant at;
  private final SessionState.Retention retention;
  private final Prices prices;
  private final List<SessionEvent> events = new ArrayList<>();
  private final List<String> toolsToStart = new ArrayList<>();
  private SessionState state;
  private boolean callsModel;
  private boolean closing;

  /**
   * {@code retention}: what the state keeps, as in the event handler; {@code prices}: what the
   * limits on spend price the next model call at.
   */
  EventBatch(SessionState state, Instant at, SessionState.Retention retention, Prices prices) {
    this.state = state;
    this.at = at;
    this.retention = retention;
    this.prices = prices;
  }

  /** Metadata for the next event: chained to the current head. */
  EventMeta meta(String actor) {
    return new EventMeta(at, actor, state.auditHead());
  }

  /**
   * Adds an event and applies it. Its stored form is rendered and hashed once, here: the hash is
   * the state's new audit head, and the journal's serializer writes the same bytes.
   */
  void add(SessionEvent event) {
    AuditChain.seal(event);
    events.add(event);
    state = state.apply(event, retention);
    if (endsTurn(event) && !closing) {
      startNextQueued();
    }
  }

  /**
   * The batch closes the session: a turn it ends is not followed by a queued one (the queued
   * messages end with the session).
   */
  void closing() {
    closing = true;
  }

  private static boolean endsTurn(SessionEvent e) {
    return e instanceof SessionEvent.TurnCompleted
        || e instanceof TurnFailed
        || e instanceof SessionEvent.TurnCancelled;
  }

  /**
   * When a turn ends and messages wait, the oldest starts its turn in the same write, so a crash
   * can never leave a session idle with messages queued. A message a guardrail refused when it was
   * queued fails at once, and the next one starts.
   */
  private void startNextQueued() {
    if (state.turn() != null || state.closed() || state.queued().isEmpty()) {
      return;
    }
    QueuedMessage next = state.queued().get(0);
    add(new SessionEvent.QueuedTurnStarted(meta("runtime"), next.turnId()));
    if (next.blocked() != null) {
      add(new TurnFailed(meta("runtime"), next.turnId(), "guardrail_denied", next.blocked()));
    } else {
      nextModelCallOrFail();
    }
  }

  /** Adds a tool call to start once the batch is persisted. */
  void startTool(String callId) {
    toolsToStart.add(callId);
  }

  /**
   * Starts the turn's next model call, unless a limit forbids it, in which case the turn fails with
   * the limit as its reason. Limits are checked before every model call.
   */
  void nextModelCallOrFail() {
    Turn turn = state.turn();
    int step = turn.modelCalls() + 1;
    Optional<CallBudget.Breach> breach = CallBudget.check(state, step, prices);
    if (breach.isPresent()) {
      add(
          new TurnFailed(
              meta("runtime"), turn.turnId(), breach.get().code(), breach.get().message()));
    } else {
      add(new ModelCallStarted(meta("runtime"), turn.turnId(), step));
      callsModel = true;
    }
  }

  /**
   * Marks a model call that is already recorded as started (after a restart) to be issued again.
   */
  void reissueModelCall() {
    callsModel = true;
  }

  /** When the batch's events happen. */
  Instant at() {
    return at;
  }

  SessionState state() {
    return state;
  }

  List<SessionEvent> events() {
    return events;
  }

  List<String> toolsToStart() {
    return toolsToStart;
  }

  boolean callsModel() {
    return callsModel;
  }
}

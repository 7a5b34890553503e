package io.statehouse.runtime.session;

import io.statehouse.runtime.audit.AuditChain;
import io.statehouse.runtime.catalog.Limits;
import io.statehouse.runtime.session.SessionEvent.ModelCallStarted;
import io.statehouse.runtime.session.SessionEvent.TurnFailed;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The events one command persists, built in order against the state they lead to. Each event's
 * {@code prevHash} is the hash of the one before it (in the journal or in this batch), and later
 * decisions in the same command see the state the earlier events produce. Persisted as one atomic
 * write.
 */
final class EventBatch {
  private final Instant at;
  private final int turnsKept;
  private final List<SessionEvent> events = new ArrayList<>();
  private final List<String> toolsToStart = new ArrayList<>();
  private SessionState state;
  private boolean callsModel;

  /** {@code turnsKept}: how many finished turns the state remembers, as in the event handler. */
  EventBatch(SessionState state, Instant at, int turnsKept) {
    this.state = state;
    this.at = at;
    this.turnsKept = turnsKept;
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
    state = state.apply(event, turnsKept);
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
    Limits limits = state.agent().limits();
    String breach = null;
    String code = null;
    if (step > limits.maxStepsPerTurn()) {
      code = "max_steps_exceeded";
      breach = "the turn reached maxStepsPerTurn (" + limits.maxStepsPerTurn() + " model calls)";
    } else if (limits.maxTokensPerSession() > 0
        && state.usage().totalTokens() >= limits.maxTokensPerSession()) {
      code = "token_limit_exceeded";
      breach =
          "the session used "
              + state.usage().totalTokens()
              + " tokens of maxTokensPerSession "
              + limits.maxTokensPerSession();
    } else if (limits.maxCostUsd() != null
        && state.usage().costUsd().compareTo(limits.maxCostUsd()) >= 0) {
      code = "cost_limit_exceeded";
      breach =
          "the session spent "
              + state.usage().costUsd()
              + " USD of maxCostUsd "
              + limits.maxCostUsd();
    }
    if (code != null) {
      add(new TurnFailed(meta("runtime"), turn.turnId(), code, breach));
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

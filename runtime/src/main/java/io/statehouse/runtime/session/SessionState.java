package io.statehouse.runtime.session;

import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.audit.AuditChain;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.ToolResultBlock;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.SessionEvent.ModelCallStarted;
import io.statehouse.runtime.session.SessionEvent.ModelReplied;
import io.statehouse.runtime.session.SessionEvent.SessionClosed;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionEvent.ToolCallFailed;
import io.statehouse.runtime.session.SessionEvent.ToolCallOutcomeUnknown;
import io.statehouse.runtime.session.SessionEvent.ToolCallStarted;
import io.statehouse.runtime.session.SessionEvent.ToolCallSucceeded;
import io.statehouse.runtime.session.SessionEvent.TurnCompleted;
import io.statehouse.runtime.session.SessionEvent.TurnFailed;
import io.statehouse.runtime.session.SessionEvent.TurnResumed;
import io.statehouse.runtime.session.SessionEvent.UserMessageAdded;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

/**
 * Everything a session knows, rebuilt from its events. Immutable: {@link #apply} returns the next
 * state and has no side effects, so replaying the journal always gives the same state.
 *
 * @param turn the turn in progress, or null
 * @param recentTurns the last {@value #RECENT_TURNS_KEPT} finished turns, oldest first
 * @param auditHead the hash of the last applied event ({@link AuditChain#GENESIS} before any)
 */
public record SessionState(
    String sessionId,
    Principal owner,
    AgentSpec agent,
    List<ToolSpec> tools,
    Map<String, String> metadata,
    Instant createdAt,
    Instant updatedAt,
    boolean closed,
    List<ChatMessage> messages,
    Turn turn,
    List<TurnRecord> recentTurns,
    Usage usage,
    long turnsStarted,
    String auditHead)
    implements CborSerializable {

  /** How many finished turns are remembered for idempotent replays and late waits. */
  public static final int RECENT_TURNS_KEPT = 100;

  public SessionState {
    tools = tools == null ? List.of() : List.copyOf(tools);
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    // a persistent vector: appending a message shares the rest instead of copying the conversation
    messages =
        messages == null
            ? TreePVector.empty()
            : messages instanceof TreePVector<ChatMessage> shared
                ? shared
                : TreePVector.from(messages);
    recentTurns = recentTurns == null ? List.of() : List.copyOf(recentTurns);
    usage = usage == null ? Usage.ZERO : usage;
    auditHead = auditHead == null ? AuditChain.GENESIS : auditHead;
  }

  public static SessionState empty() {
    return new SessionState(
        null,
        null,
        null,
        List.of(),
        Map.of(),
        null,
        null,
        false,
        List.of(),
        null,
        List.of(),
        Usage.ZERO,
        0,
        AuditChain.GENESIS);
  }

  public boolean exists() {
    return sessionId != null;
  }

  public SessionStatus status() {
    if (closed) {
      return SessionStatus.CLOSED;
    }
    if (turn == null) {
      return SessionStatus.IDLE;
    }
    return turn.anyCallUnknown() ? SessionStatus.NEEDS_DECISION : SessionStatus.RUNNING;
  }

  /** After a restart, something of the current turn was in flight and must be driven again. */
  public boolean hasWorkInFlight() {
    return !closed && turn != null && !turn.quiescent();
  }

  public Optional<ToolSpec> tool(String name) {
    return tools.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /** The finished or current turn that a client idempotency key started, if remembered. */
  public Optional<String> turnIdForKey(String idempotencyKey) {
    if (idempotencyKey == null) {
      return Optional.empty();
    }
    if (turn != null && idempotencyKey.equals(turn.idempotencyKey())) {
      return Optional.of(turn.turnId());
    }
    return recentTurns.stream()
        .filter(t -> idempotencyKey.equals(t.idempotencyKey()))
        .map(TurnRecord::turnId)
        .findFirst();
  }

  public Optional<TurnRecord> finishedTurn(String turnId) {
    return recentTurns.stream().filter(t -> t.turnId().equals(turnId)).findFirst();
  }

  /** The next state after {@code event}. */
  public SessionState apply(SessionEvent event) {
    SessionState next = applyPayload(event);
    return next.stamped(event.meta().at(), AuditChain.hash(event));
  }

  private SessionState applyPayload(SessionEvent event) {
    if (event instanceof SessionCreated e) {
      return new SessionState(
          e.sessionId(),
          e.owner(),
          e.agent(),
          e.tools(),
          e.metadata(),
          e.meta().at(),
          e.meta().at(),
          false,
          List.of(),
          null,
          List.of(),
          Usage.ZERO,
          0,
          auditHead);
    }
    if (event instanceof UserMessageAdded e) {
      Turn started = Turn.start(e.turnId(), e.idempotencyKey(), e.meta().actor(), e.meta().at());
      return withMessages(append(messages, ChatMessage.user(e.content())))
          .withTurn(started)
          .withTurnsStarted(turnsStarted + 1);
    }
    if (event instanceof ModelCallStarted e) {
      return withTurn(turn.withModelCallStarted(e.step()));
    }
    if (event instanceof ModelReplied e) {
      List<ToolCallState> calls =
          e.toolUses().stream()
              .map(u -> ToolCallState.requested(u.id(), u.name(), u.input()))
              .toList();
      return withMessages(append(messages, ChatMessage.assistant(e.text(), e.toolUses())))
          .withTurn(turn.withModelReplied(calls, e.usage()))
          .withUsage(usage.plus(e.usage()));
    }
    if (event instanceof ToolCallStarted e) {
      return withTurn(turn.withCall(e.callId(), c -> c.running(e.idempotencyKey(), e.round())));
    }
    if (event instanceof ToolCallSucceeded e) {
      return withCallOutcome(turn.withCall(e.callId(), c -> c.succeeded(e.output())));
    }
    if (event instanceof ToolCallFailed e) {
      return withCallOutcome(turn.withCall(e.callId(), c -> c.failed(e.code(), e.message())));
    }
    if (event instanceof ToolCallOutcomeUnknown e) {
      return withTurn(turn.withCall(e.callId(), c -> c.unknown(e.reason())));
    }
    if (event instanceof TurnResumed) {
      return this;
    }
    if (event instanceof TurnCompleted e) {
      TurnRecord done =
          new TurnRecord(
              e.turnId(),
              turn.idempotencyKey(),
              true,
              e.output(),
              null,
              null,
              e.usage(),
              e.meta().at());
      return withTurn(null).withRecentTurns(remember(done));
    }
    if (event instanceof TurnFailed e) {
      TurnRecord failed =
          new TurnRecord(
              e.turnId(),
              turn.idempotencyKey(),
              false,
              null,
              e.code(),
              e.message(),
              turn.usage(),
              e.meta().at());
      return withMessages(closeOpenToolUses(e.message()))
          .withTurn(null)
          .withRecentTurns(remember(failed));
    }
    if (event instanceof SessionClosed) {
      return new SessionState(
          sessionId,
          owner,
          agent,
          tools,
          metadata,
          createdAt,
          updatedAt,
          true,
          messages,
          null,
          recentTurns,
          usage,
          turnsStarted,
          auditHead);
    }
    throw new IllegalArgumentException("unknown event " + event.getClass().getName());
  }

  /**
   * Records a tool outcome; when it was the last outstanding call of the step, the results join the
   * conversation as one tool message, in the order the model asked for them.
   */
  private SessionState withCallOutcome(Turn updated) {
    SessionState next = withTurn(updated);
    if (!updated.allCallsResolved()) {
      return next;
    }
    return next.withMessages(
        append(messages, ChatMessage.toolResults(resultBlocks(updated.calls()))));
  }

  private static List<ToolResultBlock> resultBlocks(List<ToolCallState> calls) {
    return calls.stream()
        .map(
            c ->
                c.status() == ToolCallState.Status.SUCCEEDED
                    ? new ToolResultBlock(c.callId(), c.output(), false)
                    : new ToolResultBlock(
                        c.callId(), c.errorCode() + ": " + c.errorMessage(), true))
        .toList();
  }

  /**
   * A turn that fails while tool uses are unanswered would leave the conversation in a shape models
   * reject; answer each open use with the failure so the next turn starts clean.
   */
  private List<ChatMessage> closeOpenToolUses(String reason) {
    if (turn == null || turn.calls().isEmpty() || turn.allCallsResolved()) {
      return messages;
    }
    List<ToolResultBlock> blocks =
        turn.calls().stream()
            .map(
                c ->
                    c.resolved()
                        ? resultBlocks(List.of(c)).get(0)
                        : new ToolResultBlock(c.callId(), "turn_failed: " + reason, true))
            .toList();
    return append(messages, ChatMessage.toolResults(blocks));
  }

  private List<TurnRecord> remember(TurnRecord record) {
    List<TurnRecord> kept = new ArrayList<>(recentTurns);
    kept.add(record);
    while (kept.size() > RECENT_TURNS_KEPT) {
      kept.remove(0);
    }
    return kept;
  }

  private static List<ChatMessage> append(List<ChatMessage> messages, ChatMessage message) {
    return ((PVector<ChatMessage>) messages).plus(message);
  }

  private SessionState stamped(Instant at, String hash) {
    return new SessionState(
        sessionId,
        owner,
        agent,
        tools,
        metadata,
        createdAt,
        at,
        closed,
        messages,
        turn,
        recentTurns,
        usage,
        turnsStarted,
        hash);
  }

  private SessionState withMessages(List<ChatMessage> m) {
    return new SessionState(
        sessionId,
        owner,
        agent,
        tools,
        metadata,
        createdAt,
        updatedAt,
        closed,
        m,
        turn,
        recentTurns,
        usage,
        turnsStarted,
        auditHead);
  }

  private SessionState withTurn(Turn t) {
    return new SessionState(
        sessionId,
        owner,
        agent,
        tools,
        metadata,
        createdAt,
        updatedAt,
        closed,
        messages,
        t,
        recentTurns,
        usage,
        turnsStarted,
        auditHead);
  }

  private SessionState withRecentTurns(List<TurnRecord> r) {
    return new SessionState(
        sessionId,
        owner,
        agent,
        tools,
        metadata,
        createdAt,
        updatedAt,
        closed,
        messages,
        turn,
        r,
        usage,
        turnsStarted,
        auditHead);
  }

  private SessionState withUsage(Usage u) {
    return new SessionState(
        sessionId,
        owner,
        agent,
        tools,
        metadata,
        createdAt,
        updatedAt,
        closed,
        messages,
        turn,
        recentTurns,
        u,
        turnsStarted,
        auditHead);
  }

  private SessionState withTurnsStarted(long n) {
    return new SessionState(
        sessionId,
        owner,
        agent,
        tools,
        metadata,
        createdAt,
        updatedAt,
        closed,
        messages,
        turn,
        recentTurns,
        usage,
        n,
        auditHead);
  }
}

package io.statehouse.runtime.workspace;

import io.statehouse.runtime.Principal;
import io.statehouse.runtime.session.AgentSession.TurnAccepted;
import io.statehouse.runtime.session.AgentSession.TurnOutcome;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.telemetry.TraceParent;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * How a workspace reaches its members' sessions: by messages, through sharding on a node ({@link
 * ShardedMembers}). Each stage fails with the session's {@code Rejection}, or a timeout.
 */
public interface MemberSessions {
  /**
   * Sends {@code text} to the member as a message under idempotency key {@code key}: the session
   * queues it behind a running turn, and a second send with the same key gets the same turn.
   */
  CompletionStage<TurnAccepted> deliver(
      SessionId member, Principal owner, String text, String key, Duration timeout);

  /**
   * As {@link #deliver(SessionId, Principal, String, String, Duration)}, the member's turn
   * continuing the run's {@code trace} context (null: none); ways of reaching members that carry no
   * trace context ignore it.
   */
  default CompletionStage<TurnAccepted> deliver(
      SessionId member,
      Principal owner,
      String text,
      String key,
      TraceParent trace,
      Duration timeout) {
    return deliver(member, owner, text, key, timeout);
  }

  /** The turn's outcome once it stops running (or now, when it waits for a human). */
  CompletionStage<TurnOutcome> awaitTurn(SessionId member, String turnId, Duration timeout);

  /** Closes the member's session (failing a running turn); closing a closed one is fine. */
  CompletionStage<Void> close(SessionId member, Principal owner, String reason, Duration timeout);
}

package io.statehouse.runtime.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.audit.ChainedEvent;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.Usage;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The events of a session: its journal, and so its whole state. Each is a checkpoint persisted
 * before the effect it announces starts. These classes are schema: never rename or move them; add
 * fields only with defaults (null), so old events keep their canonical bytes and audit hashes.
 */
public sealed interface SessionEvent extends CborSerializable, ChainedEvent {
  @Override
  EventMeta meta();

  /** The session was opened for {@code owner}, pinned to an agent version and its tools. */
  record SessionCreated(
      EventMeta meta,
      String sessionId,
      Principal owner,
      AgentSpec agent,
      List<ToolSpec> tools,
      Map<String, String> metadata)
      implements SessionEvent {}

  /**
   * A user message arrived and started turn {@code turnId}. {@code roles}: those of the principal
   * who sent it, which policies see as {@code principal.roles} (null in events written before they
   * were kept).
   */
  record UserMessageAdded(
      EventMeta meta, String turnId, String content, String idempotencyKey, List<String> roles)
      implements SessionEvent {}

  /** Model call number {@code step} of the turn is about to be made. */
  record ModelCallStarted(EventMeta meta, String turnId, int step) implements SessionEvent {}

  /** The model answered call {@code step}: text and/or tool uses. */
  record ModelReplied(
      EventMeta meta,
      String turnId,
      int step,
      String text,
      List<ToolUse> toolUses,
      String stopReason,
      Usage usage)
      implements SessionEvent {}

  /**
   * Tool call {@code callId} is about to run ({@code round} 1), or to run again after a restart
   * (round 2 and up, idempotent tools only), always with the same idempotency key.
   */
  record ToolCallStarted(
      EventMeta meta,
      String turnId,
      String callId,
      String tool,
      JsonNode input,
      String idempotencyKey,
      int round)
      implements SessionEvent {}

  /** The tool answered; {@code output} is what the model will see. */
  record ToolCallSucceeded(
      EventMeta meta, String turnId, String callId, String output, int attempts, long durationMs)
      implements SessionEvent {}

  /**
   * The call failed for good, or never ran (unknown tool, invalid arguments, {@code attempts} 0).
   * The model is told the error and may try something else.
   */
  record ToolCallFailed(
      EventMeta meta, String turnId, String callId, String code, String message, int attempts)
      implements SessionEvent {}

  /**
   * A non-idempotent call was in flight when its node stopped: it may or may not have acted. It is
   * not run again; a human decides (retry, or record the outcome by hand).
   */
  record ToolCallOutcomeUnknown(
      EventMeta meta, String turnId, String callId, String tool, JsonNode input, String reason)
      implements SessionEvent {}

  /** The runtime picked up turn {@code turnId} again after a restart, without a client request. */
  record TurnResumed(EventMeta meta, String turnId) implements SessionEvent {}

  /** The turn ended with the model's final text. */
  record TurnCompleted(EventMeta meta, String turnId, String output, Usage usage)
      implements SessionEvent {}

  /** The turn ended without an answer; {@code code} says why (a limit, a model error, closing). */
  record TurnFailed(EventMeta meta, String turnId, String code, String message)
      implements SessionEvent {}

  /** The session was closed; it accepts no more messages. */
  record SessionClosed(EventMeta meta, String reason) implements SessionEvent {}

  /**
   * A tool call the model asked for was refused before running: {@code code} is {@code not_allowed}
   * (the tool is not on the agent's allowlist) or {@code policy_denied} (policy rule {@code rule},
   * counted from 0, denied it). The model receives {@code reason} as an error result.
   */
  record ToolCallDenied(
      EventMeta meta,
      String turnId,
      String callId,
      String tool,
      JsonNode input,
      String code,
      Integer rule,
      String reason)
      implements SessionEvent {}

  /**
   * Policy rule {@code rule} requires a human approval before the call runs: the turn waits. Only a
   * principal with one of {@code approvers} (roles) may decide, never the one who started the turn;
   * past {@code expiresAt} (null: never) the call is denied by timeout.
   */
  record ApprovalRequested(
      EventMeta meta,
      String turnId,
      String callId,
      String approvalId,
      String tool,
      JsonNode input,
      Integer rule,
      String reason,
      List<String> approvers,
      Instant expiresAt)
      implements SessionEvent {}

  /**
   * {@code decidedBy} (a subject, acting as {@code role}) approved; the call starts in the same
   * write.
   */
  record ApprovalGranted(
      EventMeta meta,
      String turnId,
      String callId,
      String approvalId,
      String decidedBy,
      String role,
      String reason)
      implements SessionEvent {}

  /**
   * The call was denied, by {@code decidedBy} acting as {@code role}, or by its deadline ({@code
   * expired}, decided by {@code runtime}). It never runs; the model receives the denial.
   */
  record ApprovalDenied(
      EventMeta meta,
      String turnId,
      String callId,
      String approvalId,
      String decidedBy,
      String role,
      String reason,
      boolean expired)
      implements SessionEvent {}

  /**
   * A human resolved a call whose outcome was unknown: {@code retry} (a {@code ToolCallStarted}
   * with the same idempotency key follows), or the outcome they checked by hand, {@code succeeded}
   * with {@code output} or {@code failed}.
   */
  record OutcomeDecided(
      EventMeta meta,
      String turnId,
      String callId,
      String decision,
      String output,
      String decidedBy,
      String role,
      String reason)
      implements SessionEvent {}

  /**
   * The running turn was stopped: by {@code meta.actor}'s cancel, or by a new message to an agent
   * that interrupts. Whatever was in flight is abandoned: a model answer still streaming is
   * dropped, tool calls are stopped (a non-idempotent call that was running was recorded as {@code
   * ToolCallOutcomeUnknown} just before), and the session accepts the next message.
   */
  record TurnCancelled(EventMeta meta, String turnId, String reason) implements SessionEvent {}

  /**
   * A message sent during a running turn to an agent that queues them: it will start turn {@code
   * turnId} after the turns queued before it. {@code content} is the message as the journal keeps
   * it; {@code blocked}, when set, is why an input guardrail refused it (the turn will fail at once
   * when its time comes).
   */
  record MessageQueued(
      EventMeta meta,
      String turnId,
      String content,
      String idempotencyKey,
      List<String> roles,
      String blocked)
      implements SessionEvent {}

  /** The oldest queued message, {@code turnId}'s, starts its turn now. */
  record QueuedTurnStarted(EventMeta meta, String turnId) implements SessionEvent {}
}

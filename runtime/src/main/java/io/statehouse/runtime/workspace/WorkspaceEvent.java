package io.statehouse.runtime.workspace;

import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.audit.ChainedEvent;
import io.statehouse.runtime.catalog.TeamSpec;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.EventMeta;
import io.statehouse.runtime.session.TurnStatus;
import java.time.Instant;
import java.util.List;

/**
 * The events of a team workspace: its journal, and so its whole state, in the same keyed hash chain
 * as sessions' ({@link ChainedEvent}). Each is persisted before the effect it announces (a
 * delivery, a member's session being closed). Schema: never rename or move these classes, add
 * fields only with defaults (null); their simple names must differ from every session event's.
 */
public sealed interface WorkspaceEvent extends CborSerializable, ChainedEvent {
  @Override
  EventMeta meta();

  /**
   * A run of {@code team} (at its version) started for {@code owner}, with its members' sessions
   * already open. {@code deadlineAt}: when the run is stopped, null for none.
   */
  record RunStarted(
      EventMeta meta,
      String workspaceId,
      String runId,
      Principal owner,
      TeamSpec team,
      List<Seat> seats,
      String input,
      Instant deadlineAt)
      implements WorkspaceEvent {}

  /**
   * Artifact {@code name} is now at {@code version} (1 when new), written by {@code role} in its
   * session's turn {@code turnId}; {@code key} is the tool call's idempotency key.
   */
  record ArtifactPut(
      EventMeta meta,
      String name,
      int version,
      String content,
      String contentType,
      String role,
      String turnId,
      String key)
      implements WorkspaceEvent {}

  /**
   * {@code from} posted on the board, addressed to role {@code to} (null: to nobody in particular).
   */
  record PostAdded(
      EventMeta meta, String postId, String from, String to, String text, String turnId, String key)
      implements WorkspaceEvent {}

  /** {@code from} handed work to role {@code owner}: a new open task. */
  record TaskAdded(
      EventMeta meta,
      String taskId,
      String title,
      String detail,
      String from,
      String owner,
      String turnId,
      String key)
      implements WorkspaceEvent {}

  /** {@code role} claimed open task {@code taskId}. */
  record TaskClaimed(EventMeta meta, String taskId, String role, String key)
      implements WorkspaceEvent {}

  /** {@code role} finished task {@code taskId} with {@code result}, in its turn {@code turnId}. */
  record TaskCompleted(
      EventMeta meta, String taskId, String role, String result, String turnId, String key)
      implements WorkspaceEvent {}

  /**
   * A turn of {@code role}'s session the workspace did not deliver (a message its owner sent the
   * member directly) used the workspace; the workspace follows it from now on as it follows its
   * own.
   */
  record TurnJoined(EventMeta meta, String role, String turnId) implements WorkspaceEvent {}

  /**
   * Role {@code role} is to get {@code text} as a new turn, at depth {@code round}. {@code
   * pipelineStep}: it is the role's step of a pipeline, not only a notice.
   */
  record DeliveryScheduled(
      EventMeta meta, String deliveryId, String role, String text, int round, boolean pipelineStep)
      implements WorkspaceEvent {}

  /** The member's session accepted delivery {@code deliveryId} as its turn {@code turnId}. */
  record Delivered(EventMeta meta, String deliveryId, String turnId) implements WorkspaceEvent {}

  /** A member turn the workspace follows ended: its status, final text (shortened) and usage. */
  record MemberTurnEnded(
      EventMeta meta,
      String role,
      String turnId,
      TurnStatus status,
      String output,
      String errorCode,
      String errorMessage,
      Usage usage)
      implements WorkspaceEvent {}

  /** The run ended: nothing more is delivered, and the members' sessions are closed next. */
  record RunEnded(EventMeta meta, RunStatus status, String reason) implements WorkspaceEvent {}

  /** Every member's session was closed after the run ended. */
  record MembersClosed(EventMeta meta) implements WorkspaceEvent {}
}

package io.statehouse.runtime.session;

import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.approval.ApprovalQueue;
import io.statehouse.runtime.model.Usage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The turn in progress: who started it (actor and roles), how many model calls it made, whether one
 * is in flight, the tool calls of its latest step, the queue entries of the approvals and unknown
 * outcomes decided during it, and why the model stopped its latest answer ({@code stopReason}, wire
 * form; null before the first answer and in turns stored before it was kept).
 */
public record Turn(
    String turnId,
    String idempotencyKey,
    String startedBy,
    Instant startedAt,
    int modelCalls,
    boolean modelCallInFlight,
    List<ToolCallState> calls,
    Usage usage,
    List<String> startedByRoles,
    List<ApprovalQueue.Entry> decided,
    String stopReason)
    implements CborSerializable {

  public Turn {
    calls = calls == null ? List.of() : List.copyOf(calls);
    decided = decided == null ? List.of() : List.copyOf(decided);
    usage = usage == null ? Usage.ZERO : usage;
    startedByRoles = startedByRoles == null ? List.of() : List.copyOf(startedByRoles);
  }

  static Turn start(String turnId, String key, String by, List<String> roles, Instant at) {
    return new Turn(turnId, key, by, at, 0, false, List.of(), Usage.ZERO, roles, List.of(), null);
  }

  /** Every call of the latest step has a final outcome (and there was at least one). */
  public boolean allCallsResolved() {
    return !calls.isEmpty() && calls.stream().allMatch(ToolCallState::resolved);
  }

  public boolean anyCallUnknown() {
    return calls.stream().anyMatch(c -> c.status() == ToolCallState.Status.UNKNOWN);
  }

  public boolean anyCallAwaitingApproval() {
    return calls.stream().anyMatch(ToolCallState::awaitingApproval);
  }

  /** The call waiting for approval {@code approvalId}, if any. */
  public ToolCallState callAwaiting(String approvalId) {
    return calls.stream()
        .filter(c -> c.awaitingApproval() && c.approval().approvalId().equals(approvalId))
        .findFirst()
        .orElse(null);
  }

  public boolean anyCallRunning() {
    return calls.stream().anyMatch(c -> c.status() == ToolCallState.Status.RUNNING);
  }

  /** Nothing is in flight: the model is not being called and no tool is running. */
  public boolean quiescent() {
    return !modelCallInFlight && !anyCallRunning();
  }

  public ToolCallState call(String callId) {
    return calls.stream().filter(c -> c.callId().equals(callId)).findFirst().orElse(null);
  }

  Turn withModelCallStarted(int step) {
    return new Turn(
        turnId,
        idempotencyKey,
        startedBy,
        startedAt,
        step,
        true,
        List.of(),
        usage,
        startedByRoles,
        decided,
        stopReason);
  }

  Turn withModelReplied(List<ToolCallState> newCalls, Usage callUsage, String newStopReason) {
    return new Turn(
        turnId,
        idempotencyKey,
        startedBy,
        startedAt,
        modelCalls,
        false,
        newCalls,
        usage.plus(callUsage),
        startedByRoles,
        decided,
        newStopReason);
  }

  Turn withCall(String callId, UnaryOperator<ToolCallState> change) {
    List<ToolCallState> updated =
        calls.stream().map(c -> c.callId().equals(callId) ? change.apply(c) : c).toList();
    return new Turn(
        turnId,
        idempotencyKey,
        startedBy,
        startedAt,
        modelCalls,
        modelCallInFlight,
        updated,
        usage,
        startedByRoles,
        decided,
        stopReason);
  }

  /**
   * The turn with {@code entry}, an approval or unknown outcome decided during it, kept until the
   * turn ends so that recovery and the turn's end can write it to the queue again.
   */
  Turn withDecided(ApprovalQueue.Entry entry) {
    List<ApprovalQueue.Entry> all = new ArrayList<>(decided);
    all.add(entry);
    return new Turn(
        turnId,
        idempotencyKey,
        startedBy,
        startedAt,
        modelCalls,
        modelCallInFlight,
        calls,
        usage,
        startedByRoles,
        all,
        stopReason);
  }
}

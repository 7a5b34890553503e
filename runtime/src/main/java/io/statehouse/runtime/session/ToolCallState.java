package io.statehouse.runtime.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.CborSerializable;
import java.time.Instant;
import java.util.List;

/**
 * One tool call of the current step, from the model's request to its outcome.
 *
 * @param approval the approval the call waits for or waited for; null when no rule required one
 */
public record ToolCallState(
    String callId,
    String tool,
    JsonNode input,
    String idempotencyKey,
    int round,
    Status status,
    String output,
    String errorCode,
    String errorMessage,
    Approval approval)
    implements CborSerializable {

  /**
   * REQUESTED by the model; AWAITING_APPROVAL while a human must allow it; RUNNING once started;
   * then one of the three outcomes.
   */
  public enum Status {
    REQUESTED,
    AWAITING_APPROVAL,
    RUNNING,
    SUCCEEDED,
    FAILED,
    UNKNOWN
  }

  /** The approval a policy rule asked for; see {@code ApprovalRequested}. */
  public record Approval(
      String approvalId,
      Integer rule,
      String reason,
      List<String> approvers,
      Instant expiresAt,
      Instant requestedAt)
      implements CborSerializable {
    public Approval {
      approvers = approvers == null ? List.of() : List.copyOf(approvers);
    }

    public boolean expiredAt(Instant now) {
      return expiresAt != null && !now.isBefore(expiresAt);
    }
  }

  public static ToolCallState requested(String callId, String tool, JsonNode input) {
    return new ToolCallState(
        callId, tool, input, null, 0, Status.REQUESTED, null, null, null, null);
  }

  public boolean resolved() {
    return status == Status.SUCCEEDED || status == Status.FAILED;
  }

  public boolean awaitingApproval() {
    return status == Status.AWAITING_APPROVAL;
  }

  ToolCallState running(String key, int newRound) {
    return new ToolCallState(
        callId, tool, input, key, newRound, Status.RUNNING, null, null, null, approval);
  }

  ToolCallState awaiting(Approval a) {
    return new ToolCallState(
        callId, tool, input, idempotencyKey, round, Status.AWAITING_APPROVAL, null, null, null, a);
  }

  ToolCallState succeeded(String out) {
    return new ToolCallState(
        callId, tool, input, idempotencyKey, round, Status.SUCCEEDED, out, null, null, approval);
  }

  ToolCallState failed(String code, String message) {
    return new ToolCallState(
        callId, tool, input, idempotencyKey, round, Status.FAILED, null, code, message, approval);
  }

  ToolCallState unknown(String reason) {
    return new ToolCallState(
        callId,
        tool,
        input,
        idempotencyKey,
        round,
        Status.UNKNOWN,
        null,
        "outcome_unknown",
        reason,
        approval);
  }
}

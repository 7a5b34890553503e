package io.statehouse.runtime.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.CborSerializable;

/** One tool call of the current step, from the model's request to its outcome. */
public record ToolCallState(
    String callId,
    String tool,
    JsonNode input,
    String idempotencyKey,
    int round,
    Status status,
    String output,
    String errorCode,
    String errorMessage)
    implements CborSerializable {

  /** REQUESTED by the model; RUNNING once started; then one of the three outcomes. */
  public enum Status {
    REQUESTED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    UNKNOWN
  }

  public static ToolCallState requested(String callId, String tool, JsonNode input) {
    return new ToolCallState(callId, tool, input, null, 0, Status.REQUESTED, null, null, null);
  }

  public boolean resolved() {
    return status == Status.SUCCEEDED || status == Status.FAILED;
  }

  ToolCallState running(String key, int newRound) {
    return new ToolCallState(callId, tool, input, key, newRound, Status.RUNNING, null, null, null);
  }

  ToolCallState succeeded(String out) {
    return new ToolCallState(
        callId, tool, input, idempotencyKey, round, Status.SUCCEEDED, out, null, null);
  }

  ToolCallState failed(String code, String message) {
    return new ToolCallState(
        callId, tool, input, idempotencyKey, round, Status.FAILED, null, code, message);
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
        reason);
  }
}

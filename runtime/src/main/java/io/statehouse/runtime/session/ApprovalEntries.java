package io.statehouse.runtime.session;

import io.statehouse.runtime.approval.ApprovalQueue;
import io.statehouse.runtime.approval.ApprovalQueue.Kind;
import io.statehouse.runtime.approval.ApprovalQueue.Status;
import io.statehouse.runtime.json.Json;
import java.time.Instant;
import java.util.List;

/**
 * What the approval queue shows of a call that waits, or waited, for a human: an approval a policy
 * rule asked for (its id is the approval's), or an outcome nobody knows (its id is the call's).
 * Built from the session's state, by the effects that record the queue and by the fold, which keeps
 * the decided entries of the current turn so that recovery and the turn's end can write them again.
 */
final class ApprovalEntries {
  private ApprovalEntries() {}

  /**
   * The entry of call {@code c} of {@code turn} in session {@code s}, as it stands before its
   * status becomes {@code status}.
   */
  static ApprovalQueue.Entry entry(
      SessionState s,
      Turn turn,
      ToolCallState c,
      Status status,
      String decidedBy,
      Instant decidedAt) {
    boolean approval = c.approval() != null && c.status() != ToolCallState.Status.UNKNOWN;
    ToolCallState.Approval a = c.approval();
    String inputJson;
    try {
      inputJson = Json.MAPPER.writeValueAsString(c.input());
    } catch (Exception ex) {
      inputJson = "{}";
    }
    return new ApprovalQueue.Entry(
        approval ? a.approvalId() : c.callId(),
        s.sessionId(),
        turn.turnId(),
        c.callId(),
        s.agent().name(),
        c.tool(),
        inputJson,
        approval ? a.reason() : c.errorMessage(),
        approval ? a.approvers() : List.of("approver", "operator"),
        approval ? Kind.APPROVAL : Kind.OUTCOME_UNKNOWN,
        subjectOf(turn.startedBy()),
        approval ? a.requestedAt() : turn.startedAt(),
        approval ? a.expiresAt() : null,
        status,
        decidedBy,
        decidedAt);
  }

  static String subjectOf(String actor) {
    return actor != null && actor.startsWith("user:") ? actor.substring("user:".length()) : actor;
  }
}

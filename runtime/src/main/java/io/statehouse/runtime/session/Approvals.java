package io.statehouse.runtime.session;

import io.statehouse.runtime.Principal;
import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.Role;
import io.statehouse.runtime.session.SessionEvent.ApprovalDenied;
import io.statehouse.runtime.session.SessionEvent.ApprovalGranted;
import io.statehouse.runtime.session.SessionEvent.OutcomeDecided;
import io.statehouse.runtime.session.SessionEvent.ToolCallStarted;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Pure decisions on a turn's pending approvals and unknown outcomes: who may decide, and which
 * events a decision records. The session persists them, then acts (starts the call, or calls the
 * model again once every call of the step is resolved).
 *
 * <p>Who may decide: for an approval, a principal holding one of the roles the policy rule names;
 * for an unknown outcome, an approver or an operator. Never the subject who started the turn: a
 * request is not approved by its requester. Sessions are per tenant, so nobody reaches another
 * tenant's approvals (they are not found).
 */
final class Approvals {
  private Approvals() {}

  /** What a human decides. */
  enum Decision {
    APPROVE,
    DENY,
    RETRY,
    RECORD;

    static Optional<Decision> fromWire(String wire) {
      for (Decision d : values()) {
        if (d.name().equalsIgnoreCase(wire)) {
          return Optional.of(d);
        }
      }
      return Optional.empty();
    }
  }

  /**
   * Records {@code decision} on approval (or unknown outcome) {@code id} into {@code b}, or returns
   * why it is refused. {@code outcome} and {@code output} are for {@code record} only.
   */
  static Optional<Rejection> decide(
      EventBatch b,
      SessionState s,
      SessionId sessionId,
      Principal by,
      String id,
      String decisionWire,
      String outcome,
      String output,
      String reason) {
    Turn turn = s.turn();
    ToolCallState call = turn == null ? null : turn.callAwaiting(id);
    ToolCallState unknown = turn == null ? null : unknownCall(turn, id);
    if (call == null && unknown == null) {
      return Optional.of(
          s.wasDecided(id) || (turn != null && turn.call(id) != null)
              ? new Rejection("approval_decided", "approval " + id + " was already decided")
              : new Rejection("approval_not_found", "no pending approval " + id));
    }
    Optional<Decision> decision = Decision.fromWire(decisionWire == null ? "" : decisionWire);
    List<Decision> allowed =
        call != null
            ? List.of(Decision.APPROVE, Decision.DENY)
            : List.of(Decision.RETRY, Decision.RECORD);
    if (decision.isEmpty() || !allowed.contains(decision.get())) {
      return Optional.of(
          new Rejection(
              "invalid_decision",
              "decision must be one of "
                  + allowed.stream().map(d -> d.name().toLowerCase()).toList()
                  + (call != null
                      ? " for an approval"
                      : " for a tool call whose outcome is unknown")));
    }
    List<String> roles =
        call != null
            ? call.approval().approvers()
            : List.of(Role.APPROVER.wire(), Role.OPERATOR.wire());
    if (by.actor().equals(turn.startedBy())) {
      return Optional.of(
          new Rejection(
              "self_approval",
              "the subject who started turn "
                  + turn.turnId()
                  + " may not decide its own request; another "
                  + roles
                  + " must"));
    }
    Optional<String> role = by.roles().stream().filter(roles::contains).findFirst();
    if (role.isEmpty()) {
      return Optional.of(
          new Rejection(
              "forbidden",
              "deciding " + id + " takes one of the roles " + roles + "; you have " + by.roles()));
    }
    String actor = by.actor();
    if (call != null) {
      if (decision.get() == Decision.APPROVE) {
        b.add(
            new ApprovalGranted(
                b.meta(actor), turn.turnId(), call.callId(), id, by.subject(), role.get(), reason));
        start(b, sessionId, turn, call, 1, actor);
      } else {
        b.add(
            new ApprovalDenied(
                b.meta(actor),
                turn.turnId(),
                call.callId(),
                id,
                by.subject(),
                role.get(),
                "denied by " + by.subject() + (reason == null ? "" : ": " + reason),
                false));
      }
      return Optional.empty();
    }
    if (decision.get() == Decision.RETRY) {
      b.add(
          new OutcomeDecided(
              b.meta(actor),
              turn.turnId(),
              unknown.callId(),
              "retry",
              null,
              by.subject(),
              role.get(),
              reason));
      b.add(
          new ToolCallStarted(
              b.meta(actor),
              turn.turnId(),
              unknown.callId(),
              unknown.tool(),
              unknown.input(),
              unknown.idempotencyKey(),
              unknown.round() + 1));
      b.startTool(unknown.callId());
      return Optional.empty();
    }
    if (!"succeeded".equals(outcome) && !"failed".equals(outcome)) {
      return Optional.of(
          new Rejection(
              "invalid_decision",
              "record takes outcome 'succeeded' (with the tool's result as output) or 'failed'"));
    }
    if ("succeeded".equals(outcome) && (output == null || output.isBlank())) {
      return Optional.of(
          new Rejection(
              "invalid_decision",
              "outcome 'succeeded' takes output: the result the model will see"));
    }
    b.add(
        new OutcomeDecided(
            b.meta(actor),
            turn.turnId(),
            unknown.callId(),
            outcome,
            "succeeded".equals(outcome) ? output : null,
            by.subject(),
            role.get(),
            reason));
    return Optional.empty();
  }

  /**
   * Denies approval {@code id} by its deadline, if it is still pending and due at {@code now};
   * returns whether it did.
   */
  static boolean expire(EventBatch b, SessionState s, String id, Instant now) {
    Turn turn = s.turn();
    ToolCallState call = turn == null ? null : turn.callAwaiting(id);
    if (call == null || !call.approval().expiredAt(now)) {
      return false;
    }
    b.add(
        new ApprovalDenied(
            b.meta("runtime"),
            turn.turnId(),
            call.callId(),
            id,
            "runtime",
            null,
            "nobody decided before the approval expired at " + call.approval().expiresAt(),
            true));
    return true;
  }

  private static void start(
      EventBatch b, SessionId sessionId, Turn turn, ToolCallState call, int round, String actor) {
    String key = Turns.idempotencyKey(sessionId, turn.turnId(), turn.modelCalls(), call.callId());
    b.add(
        new ToolCallStarted(
            b.meta(actor), turn.turnId(), call.callId(), call.tool(), call.input(), key, round));
    b.startTool(call.callId());
  }

  private static ToolCallState unknownCall(Turn turn, String id) {
    ToolCallState c = turn.call(id);
    return c != null && c.status() == ToolCallState.Status.UNKNOWN ? c : null;
  }
}

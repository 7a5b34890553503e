package io.statehouse.runtime.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.Role;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.AgentSession.PendingDecision;
import io.statehouse.runtime.session.AgentSession.TurnOutcome;
import io.statehouse.runtime.session.SessionEvent.ApprovalRequested;
import io.statehouse.runtime.session.SessionEvent.ToolCallDenied;
import io.statehouse.runtime.session.SessionEvent.ToolCallFailed;
import io.statehouse.runtime.session.SessionEvent.ToolCallOutcomeUnknown;
import io.statehouse.runtime.session.SessionEvent.ToolCallStarted;
import io.statehouse.runtime.session.SessionEvent.TurnResumed;
import io.statehouse.runtime.tool.ArgumentValidator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Pure decisions about a session's turns: which events a step records, where a turn stands. */
final class Turns {
  private Turns() {}

  /** Where a turn stands, or null if this session never had it (or forgot it). */
  static TurnOutcome outcomeOf(SessionState s, String turnId) {
    Turn turn = s.turn();
    if (turn != null && turn.turnId().equals(turnId)) {
      if (turn.anyCallUnknown() && turn.quiescent()) {
        List<PendingDecision> decisions =
            turn.calls().stream()
                .filter(c -> c.status() == ToolCallState.Status.UNKNOWN)
                .map(
                    c ->
                        new PendingDecision(
                            c.callId(),
                            c.tool(),
                            c.input(),
                            c.errorMessage(),
                            "outcome_unknown",
                            List.of(Role.APPROVER.wire(), Role.OPERATOR.wire()),
                            null))
                .toList();
        return new TurnOutcome(
            turnId,
            TurnStatus.NEEDS_DECISION,
            null,
            null,
            null,
            turn.usage(),
            decisions,
            turn.stopReason());
      }
      if (turn.anyCallAwaitingApproval() && turn.quiescent()) {
        List<PendingDecision> approvals =
            turn.calls().stream()
                .filter(ToolCallState::awaitingApproval)
                .map(
                    c ->
                        new PendingDecision(
                            c.approval().approvalId(),
                            c.tool(),
                            c.input(),
                            c.approval().reason(),
                            "approval",
                            c.approval().approvers(),
                            c.approval().expiresAt()))
                .toList();
        return new TurnOutcome(
            turnId,
            TurnStatus.AWAITING_APPROVAL,
            null,
            null,
            null,
            turn.usage(),
            approvals,
            turn.stopReason());
      }
      return new TurnOutcome(
          turnId, TurnStatus.RUNNING, null, null, null, turn.usage(), List.of(), turn.stopReason());
    }
    if (s.queuedTurn(turnId).isPresent()) {
      return new TurnOutcome(
          turnId, TurnStatus.QUEUED, null, null, null, Usage.ZERO, List.of(), null);
    }
    return s.finishedTurn(turnId)
        .map(
            r ->
                new TurnOutcome(
                    turnId,
                    r.status(),
                    r.output(),
                    r.errorCode(),
                    r.errorMessage(),
                    r.usage(),
                    List.of(),
                    r.stopReason()))
        .orElse(null);
  }

  /**
   * A tool use becomes a started call, a call waiting for approval, or, without running anything, a
   * refused one: a tool that is not on the agent's allowlist, input that does not match the tool's
   * schema, or a call a policy rule denies. All of it is decided here, before {@code
   * ToolCallStarted} is persisted, so a call that never ran is never mistaken for one whose outcome
   * is unknown.
   */
  static void requestTool(
      EventBatch b,
      SessionState s,
      SessionId id,
      ArgumentValidator validator,
      ToolGate gate,
      String turnId,
      ToolUse use) {
    Optional<ToolSpec> spec = s.tool(use.name()).filter(t -> s.agent().tools().contains(t.name()));
    JsonNode input = use.input() == null ? Json.object() : use.input();
    if (spec.isEmpty()) {
      // the model may have been talked into it (prompt injection): it never runs, and it is audited
      b.add(
          new ToolCallDenied(
              b.meta("runtime"),
              turnId,
              use.id(),
              use.name(),
              input,
              "not_allowed",
              null,
              "agent "
                  + s.agent().name()
                  + " may not call "
                  + use.name()
                  + ": it is not on its allowlist "
                  + s.agent().tools()));
      return;
    }
    List<String> problems = validator.problems(spec.get(), input);
    if (!problems.isEmpty()) {
      b.add(
          new ToolCallFailed(
              b.meta("runtime"),
              turnId,
              use.id(),
              "invalid_arguments",
              "input does not match the schema of "
                  + use.name()
                  + ": "
                  + String.join("; ", problems),
              0));
      return;
    }
    ToolGate.Decision decision = gate.decide(s, spec.get(), input);
    switch (decision.effect()) {
      case DENY ->
          b.add(
              new ToolCallDenied(
                  b.meta("runtime"),
                  turnId,
                  use.id(),
                  use.name(),
                  input,
                  "policy_denied",
                  decision.rule(),
                  decision.reason()));
      case REQUIRE_APPROVAL ->
          b.add(
              new ApprovalRequested(
                  b.meta("runtime"),
                  turnId,
                  use.id(),
                  "apr_" + UUID.randomUUID().toString().replace("-", ""),
                  use.name(),
                  input,
                  decision.rule(),
                  decision.reason(),
                  decision.approvers(),
                  decision.expiresAfter() == null ? null : b.at().plus(decision.expiresAfter())));
      case ALLOW -> {
        String key = idempotencyKey(id, turnId, s.turn().modelCalls(), use.id());
        b.add(new ToolCallStarted(b.meta("runtime"), turnId, use.id(), use.name(), input, key, 1));
        b.startTool(use.id());
      }
    }
  }

  /**
   * {@code <session>/<turn>/<step>/<call>}: the same for every attempt of a call, distinct across
   * calls.
   */
  static String idempotencyKey(SessionId id, String turnId, int step, String callId) {
    return id.id() + "/" + turnId + "/" + step + "/" + callId;
  }

  /**
   * What a restart does to the work that was in flight: it is recorded as resumed; a model call is
   * issued again (nothing acted on it); a tool call runs again, with the same idempotency key, only
   * if the tool is idempotent, and is otherwise recorded as having an unknown outcome.
   */
  static void resume(EventBatch b, SessionState s) {
    Turn turn = s.turn();
    b.add(new TurnResumed(b.meta("runtime"), turn.turnId()));
    for (ToolCallState call : turn.calls()) {
      if (call.status() != ToolCallState.Status.RUNNING) {
        continue;
      }
      boolean idempotent = s.tool(call.tool()).map(ToolSpec::idempotent).orElse(false);
      if (idempotent) {
        b.add(
            new ToolCallStarted(
                b.meta("runtime"),
                turn.turnId(),
                call.callId(),
                call.tool(),
                call.input(),
                call.idempotencyKey(),
                call.round() + 1));
        b.startTool(call.callId());
      } else {
        b.add(
            new ToolCallOutcomeUnknown(
                b.meta("runtime"),
                turn.turnId(),
                call.callId(),
                call.tool(),
                call.input(),
                "the call was in flight when its node stopped; "
                    + call.tool()
                    + " is not idempotent, so it was not run again. Approve a retry or record the outcome."));
      }
    }
    if (turn.modelCallInFlight()) {
      b.reissueModelCall();
    }
  }

  /**
   * Cancels the running turn: a call of a non-idempotent tool that was running may have acted, so
   * it is recorded as having an unknown outcome before the turn ends; idempotent ones and calls
   * that never started simply end with the turn.
   */
  static void cancel(EventBatch b, SessionState s, String actor, String reason) {
    Turn turn = s.turn();
    for (ToolCallState call : turn.calls()) {
      if (call.status() == ToolCallState.Status.RUNNING
          && !s.tool(call.tool()).map(ToolSpec::idempotent).orElse(false)) {
        b.add(
            new ToolCallOutcomeUnknown(
                b.meta(actor),
                turn.turnId(),
                call.callId(),
                call.tool(),
                call.input(),
                "the turn was cancelled while the call was in flight; "
                    + call.tool()
                    + " is not idempotent, so it may have acted. It was not run again."));
      }
    }
    b.add(new SessionEvent.TurnCancelled(b.meta(actor), turn.turnId(), reason));
  }

  /**
   * Tool-use ids key the calls of a step, so they must differ within one reply. Models may reuse
   * ids from step to step ({@code call_0} again); idempotency keys include the turn and step, so
   * they stay unique without checking the whole history.
   */
  static List<ToolUse> withUniqueIds(List<ToolUse> uses) {
    Set<String> seen = new HashSet<>();
    List<ToolUse> out = new ArrayList<>();
    for (ToolUse u : uses) {
      String useId = u.id() == null || u.id().isBlank() ? "call" : u.id();
      String unique = useId;
      for (int n = 2; !seen.add(unique); n++) {
        unique = useId + "_" + n;
      }
      out.add(unique.equals(u.id()) ? u : new ToolUse(unique, u.name(), u.input()));
    }
    return out;
  }
}

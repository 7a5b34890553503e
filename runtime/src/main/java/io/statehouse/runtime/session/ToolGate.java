package io.statehouse.runtime.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.catalog.ToolSpec;
import java.time.Duration;
import java.util.List;

/**
 * Decides a tool call the model asked for, before anything about it is persisted: run it, refuse
 * it, or ask a human first. A pure function of the session's state, the tool's spec and the call's
 * input (the agent's policies are part of the pinned agent spec), so the same journal always leads
 * to the same decisions.
 */
@FunctionalInterface
public interface ToolGate {

  /** What happens to the call. */
  enum Effect {
    ALLOW,
    DENY,
    REQUIRE_APPROVAL
  }

  /**
   * @param rule the policy rule that decided (counted from 0), null when none applied
   * @param approvers roles that may decide, for {@link Effect#REQUIRE_APPROVAL}
   * @param expiresAfter how long an approval may wait, null for no deadline
   */
  record Decision(
      Effect effect, Integer rule, String reason, List<String> approvers, Duration expiresAfter) {
    public static final Decision ALLOW = new Decision(Effect.ALLOW, null, null, List.of(), null);
  }

  /**
   * Decides a call of tool {@code spec} with {@code input} in session {@code s}; the roles of
   * whoever started the turn are the current turn's ({@code s.turn().startedByRoles()}).
   */
  Decision decide(SessionState s, ToolSpec spec, JsonNode input);

  /** Every call on the allowlist runs (agents without policies, behaviour tests). */
  ToolGate ALLOW_ALL = (s, spec, input) -> Decision.ALLOW;
}

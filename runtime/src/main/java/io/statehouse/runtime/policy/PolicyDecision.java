package io.statehouse.runtime.policy;

import io.statehouse.runtime.CborSerializable;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the policies decided for one tool call. Recorded in an event, so it carries no input values:
 * a reason is either the rule's own text or a fixed sentence from the engine.
 *
 * @param ruleIndex the rule that decided, counted from 0 as in {@code policies[0]}; null when no
 *     rule applied (the call is allowed)
 * @param reason the rule's reason (or the engine's, for failures); null when no rule applied
 * @param approvers for {@link PolicyEffect#REQUIRE_APPROVAL}: the roles that may decide
 * @param expiresAfter for {@link PolicyEffect#REQUIRE_APPROVAL}: how long the approval may wait,
 *     null for no deadline
 */
public record PolicyDecision(
    PolicyEffect effect,
    Integer ruleIndex,
    String reason,
    List<String> approvers,
    Duration expiresAfter)
    implements CborSerializable {

  /** No rule applied: the call runs. */
  public static final PolicyDecision ALLOW_BY_DEFAULT =
      new PolicyDecision(PolicyEffect.ALLOW, null, null, List.of(), null);

  public PolicyDecision {
    Objects.requireNonNull(effect, "effect");
    approvers = approvers == null ? List.of() : List.copyOf(approvers);
  }

  static PolicyDecision allow(int rule, String reason) {
    return new PolicyDecision(PolicyEffect.ALLOW, rule, reason, List.of(), null);
  }

  static PolicyDecision deny(int rule, String reason) {
    return new PolicyDecision(PolicyEffect.DENY, rule, reason, List.of(), null);
  }

  static PolicyDecision requireApproval(
      int rule, String reason, List<String> approvers, Duration expiresAfter) {
    return new PolicyDecision(PolicyEffect.REQUIRE_APPROVAL, rule, reason, approvers, expiresAfter);
  }

  public boolean allowed() {
    return effect == PolicyEffect.ALLOW;
  }
}

package io.statehouse.runtime.policy;

import java.util.List;
import java.util.Set;

/**
 * Decides tool calls from an agent's policy rules (DESIGN.md §7, "Decide in pure code"). Both
 * methods are pure and thread-safe; {@link CelPolicyEngine} is the implementation.
 */
public interface PolicyEngine {

  /**
   * What is wrong with {@code rules}, for a 400 at registration; empty when they are fine. Each
   * problem names its rule ({@code policies[1].when: ...}). Compiles every expression.
   *
   * @param agentTools the agent's tool allowlist: a rule may only name one of them, or {@code *}
   */
  List<String> check(List<PolicyRule> rules, Set<String> agentTools);

  /**
   * The decision for one tool call. Every rule whose tool matches and whose {@code when} is true
   * applies, and the most restrictive effect wins: deny, then require_approval, then allow. The
   * first denying rule in order decides a denial; the first approval rule gives the approvers,
   * reason and deadline; when no rule applies the call is allowed. A rule that cannot be evaluated
   * (an error, a missing field, a result that is not a bool, an exceeded limit) denies the call.
   */
  PolicyDecision decide(List<PolicyRule> rules, PolicyFacts facts);
}

package io.statehouse.runtime.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * The {@link PolicyEngine} on CEL-Java. One environment for every tenant: the five variables of
 * {@link PolicyVariables}, CEL's standard functions and macros, no extensions, heterogeneous
 * numeric comparison ({@code input.amount > 100} holds for 150 and for 150.5).
 *
 * <p>What bounds a hostile expression: at registration its length, nesting depth and node count
 * (the parser stops at the depth, so deep nesting cannot overflow the stack); on each evaluation
 * CEL's comprehension iteration limit and regex program size (its RE2J regexes run in linear time),
 * and an {@link EvaluationBudget}: a cost per step and per string size for each rule, and one
 * CPU-time budget for all rules of a call. Exceeding any evaluation limit denies the call.
 *
 * <p>Compiling, caching and evaluating are {@link CelExpressions}' (the environment is the same for
 * every tenant, so equal text is an equal program).
 */
public final class CelPolicyEngine implements PolicyEngine {
  private final PolicySettings settings;
  private final CelExpressions expressions;

  public CelPolicyEngine(PolicySettings settings) {
    this(settings, EvaluationBudget.THREAD_CPU_CLOCK);
  }

  /** With {@code clock} measuring evaluation time in nanoseconds (tests use a fake one). */
  CelPolicyEngine(PolicySettings settings, LongSupplier clock) {
    this.settings = settings;
    this.expressions =
        new CelExpressions(
            settings,
            PolicyVariables.DECLARATIONS,
            PolicyVariables.TYPES,
            EvaluationBudget.outOfTime(settings.evaluationCpuTime()),
            clock);
  }

  @Override
  public List<String> check(List<PolicyRule> rules, Set<String> agentTools) {
    if (rules == null || rules.isEmpty()) {
      return List.of();
    }
    if (rules.size() > settings.maxRules()) {
      // nothing compiled: the count alone decides
      return List.of("policies: at most " + settings.maxRules() + " rules, not " + rules.size());
    }
    Set<String> tools = agentTools == null ? Set.of() : agentTools;
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      String at = "policies[" + i + "]";
      PolicyRule rule = rules.get(i);
      if (rule == null) {
        problems.add(at + " must be an object");
        continue;
      }
      if (rule.tool() == null || rule.tool().isBlank()) {
        problems.add(at + ".tool is required: one of the agent's tools, or " + PolicyRule.ANY_TOOL);
      } else if (!rule.tool().equals(PolicyRule.ANY_TOOL) && !tools.contains(rule.tool())) {
        problems.add(
            at
                + ".tool: '"
                + rule.tool()
                + "' is not one of the agent's tools "
                + new TreeSet<>(tools));
      }
      problems.addAll(effectProblems(at, rule));
      if (rule.reason() != null && rule.reason().length() > settings.maxReasonChars()) {
        problems.add(at + ".reason is longer than " + settings.maxReasonChars() + " characters");
      }
      if (rule.hasCondition()) {
        expressions.check(rule.when()).forEach(p -> problems.add(at + ".when: " + p));
      }
    }
    return problems;
  }

  private static List<String> effectProblems(String at, PolicyRule rule) {
    List<String> problems = new ArrayList<>();
    if (rule.effect() == null) {
      problems.add(at + ".effect is required: one of " + PolicyEffect.wireNames());
      return problems;
    }
    boolean approval = rule.effect() == PolicyEffect.REQUIRE_APPROVAL;
    if (approval && rule.approvers().isEmpty()) {
      problems.add(at + ".approvers must name at least one role for require_approval");
    } else if (!approval && !rule.approvers().isEmpty()) {
      problems.add(at + ".approvers is only allowed with require_approval");
    }
    if (rule.approvers().stream().anyMatch(r -> r == null || r.isBlank())) {
      problems.add(at + ".approvers must not contain empty roles");
    }
    if (rule.expiresAfter() != null) {
      if (!approval) {
        problems.add(at + ".expiresAfter is only allowed with require_approval");
      } else if (rule.expiresAfter().isNegative() || rule.expiresAfter().isZero()) {
        problems.add(at + ".expiresAfter must be positive");
      }
    }
    return problems;
  }

  @Override
  public PolicyDecision decide(List<PolicyRule> rules, PolicyFacts facts) {
    if (rules == null || rules.isEmpty()) {
      return PolicyDecision.ALLOW_BY_DEFAULT;
    }
    // one CPU-time budget for all rules of the call, so many slow rules cannot add up; compiling
    // (on a cache miss) does not count
    long remainingNanos = settings.evaluationCpuTime().toNanos();
    Map<String, Object> vars = null;
    PolicyDecision approval = null;
    PolicyDecision allow = null;
    for (int i = 0; i < rules.size(); i++) {
      PolicyRule rule = rules.get(i);
      if (rule == null || rule.effect() == null || rule.tool() == null) {
        return PolicyDecision.deny(i, "policy rule " + i + " is malformed");
      }
      if (!rule.appliesTo(facts.tool().name())) {
        continue;
      }
      if (rule.hasCondition()) {
        if (vars == null) {
          // converted once per call, and only when some rule reads it
          vars = PolicyVariables.values(facts);
        }
        CelExpressions.Evaluation e = expressions.evaluate(rule.when(), vars, remainingNanos);
        remainingNanos -= e.nanos();
        if (e.failure() != null) {
          return PolicyDecision.deny(
              i, "policy rule " + i + " could not be evaluated: " + e.failure());
        }
        if (!e.holds()) {
          continue;
        }
      }
      switch (rule.effect()) {
        case DENY:
          // nothing is more restrictive: later rules cannot change the outcome
          return PolicyDecision.deny(i, reasonOr(rule, "denied by policy rule " + i));
        case REQUIRE_APPROVAL:
          if (rule.approvers().isEmpty()) {
            // nobody could decide it; check() rejects such a rule at registration
            return PolicyDecision.deny(i, "policy rule " + i + " is malformed");
          }
          if (approval == null) {
            approval =
                PolicyDecision.requireApproval(
                    i,
                    reasonOr(rule, "policy rule " + i + " requires approval"),
                    rule.approvers(),
                    rule.expiresAfter());
          }
          break;
        case ALLOW:
          if (allow == null) {
            allow = PolicyDecision.allow(i, rule.reason());
          }
          break;
      }
    }
    if (approval != null) {
      return approval;
    }
    return allow != null ? allow : PolicyDecision.ALLOW_BY_DEFAULT;
  }

  /** How many compiled programs are cached. */
  public int cachedPrograms() {
    return expressions.cachedPrograms();
  }

  private static String reasonOr(PolicyRule rule, String fallback) {
    return rule.reason() == null || rule.reason().isBlank() ? fallback : rule.reason();
  }
}

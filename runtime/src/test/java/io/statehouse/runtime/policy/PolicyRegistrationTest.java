package io.statehouse.runtime.policy;

import static io.statehouse.runtime.policy.PolicyFixtures.TOOLS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@link PolicyEngine#check} turns into a 400 when an agent is registered. */
class PolicyRegistrationTest {
  private final CelPolicyEngine engine = new CelPolicyEngine(PolicyFixtures.defaults());

  private List<String> check(PolicyRule... rules) {
    return engine.check(List.of(rules), TOOLS);
  }

  private static void assertOneProblem(List<String> problems, String expectedPrefix) {
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(
        problems.get(0).startsWith(expectedPrefix),
        "expected '" + expectedPrefix + "…', got " + problems);
  }

  @Test
  void acceptsValidRulesAndCachesTheirPrograms() {
    List<String> problems =
        check(
            PolicyRule.deny("refund", "has(input.amount) && input.amount > 1000", "too much"),
            PolicyRule.requireApproval(
                "refund",
                "input.amount > 100",
                List.of("approver"),
                "refunds over 100 need a second pair of eyes",
                Duration.ofHours(4)),
            PolicyRule.allow("*", "'developer' in principal.roles && session.costUsd < 1.0"),
            PolicyRule.deny("search", null, "search is off today"),
            PolicyRule.allow("search", "  "));
    assertEquals(List.of(), problems);
    // three expressions: the null and blank conditions are not compiled
    assertEquals(3, engine.cachedPrograms());
  }

  @Test
  void reportsAParseErrorWithTheRuleIndexAndCelsMessage() {
    assertOneProblem(
        check(PolicyRule.allow("refund", "true"), PolicyRule.allow("refund", "input.amount >")),
        "policies[1].when: ERROR: <input>:1:15: mismatched input '<EOF>'");
  }

  @Test
  void rejectsAnUndeclaredVariable() {
    assertOneProblem(
        check(PolicyRule.deny("refund", "inptu.amount > 100", null)),
        "policies[0].when: ERROR: <input>:1:1: undeclared reference to 'inptu'");
  }

  @Test
  void rejectsAMisspeltFieldOfADeclaredVariable() {
    // principal, agent, tool and session are typed structs, so their fields are checked too
    assertOneProblem(
        check(PolicyRule.deny("refund", "'approver' in principal.role", null)),
        "policies[0].when: ERROR: <input>:1:24: undefined field 'role'");
    assertOneProblem(
        check(PolicyRule.deny("refund", "session.cost > 1.0", null)),
        "policies[0].when: ERROR: <input>:1:8: undefined field 'cost'");
  }

  @Test
  void rejectsAnExpressionThatIsNotABool() {
    List<String> problems = check(PolicyRule.deny("refund", "session.totalTokens + 1", null));
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("policies[0].when: ERROR:"), problems.toString());
    assertTrue(problems.get(0).contains("bool"), problems.toString());
  }

  @Test
  void rejectsATypeMismatchBetweenTypedFields() {
    List<String> problems = check(PolicyRule.deny("refund", "principal.tenant > 3", null));
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains("no matching overload"), problems.toString());
  }

  @Test
  void rejectsARuleForAToolNotOnTheAgentsAllowlist() {
    assertOneProblem(
        check(PolicyRule.allow("delete_everything", null)),
        "policies[0].tool: 'delete_everything' is not one of the agent's tools");
  }

  @Test
  void requiresAToolNameOrTheWildcard() {
    assertOneProblem(check(PolicyRule.allow(" ", null)), "policies[0].tool is required");
    assertEquals(List.of(), check(PolicyRule.allow(PolicyRule.ANY_TOOL, null)));
  }

  @Test
  void requiresAnEffect() {
    assertOneProblem(
        check(new PolicyRule("refund", null, null, List.of(), null, null)),
        "policies[0].effect is required: one of [allow, require_approval, deny]");
  }

  @Test
  void requireApprovalNeedsApprovers() {
    assertOneProblem(
        check(PolicyRule.requireApproval("refund", null, List.of(), "why", null)),
        "policies[0].approvers must name at least one role for require_approval");
    assertOneProblem(
        check(PolicyRule.requireApproval("refund", null, List.of(" "), "why", null)),
        "policies[0].approvers must not contain empty roles");
  }

  @Test
  void approversAndDeadlinesBelongOnlyToApprovalRules() {
    assertOneProblem(
        check(new PolicyRule("refund", null, PolicyEffect.DENY, List.of("approver"), null, null)),
        "policies[0].approvers is only allowed with require_approval");
    assertOneProblem(
        check(
            new PolicyRule(
                "refund", null, PolicyEffect.ALLOW, List.of(), null, Duration.ofMinutes(5))),
        "policies[0].expiresAfter is only allowed with require_approval");
    assertOneProblem(
        check(
            PolicyRule.requireApproval(
                "refund", null, List.of("approver"), null, Duration.ofMinutes(-5))),
        "policies[0].expiresAfter must be positive");
  }

  @Test
  void keepsNullApproversForCheckToReport() {
    List<String> approvers = new ArrayList<>();
    approvers.add(null);
    assertOneProblem(
        check(PolicyRule.requireApproval("refund", null, approvers, null, null)),
        "policies[0].approvers must not contain empty roles");
  }

  @Test
  void rejectsAnOverlongExpressionWithoutParsingIt() {
    String longWhen = "true" + " && true".repeat(300);
    assertOneProblem(
        check(PolicyRule.deny("refund", longWhen, null)),
        "policies[0].when: is longer than 2000 characters (2404)");
    assertEquals(0, engine.cachedPrograms());
  }

  @Test
  void rejectsAnOverlongReason() {
    assertOneProblem(
        check(PolicyRule.deny("refund", null, "x".repeat(501))),
        "policies[0].reason is longer than 500 characters");
  }

  @Test
  void rejectsTooManyRules() {
    List<PolicyRule> rules =
        Collections.nCopies(51, PolicyRule.deny("refund", "input.amount > 1", null));
    assertEquals(List.of("policies: at most 50 rules, not 51"), engine.check(rules, TOOLS));
    assertEquals(0, engine.cachedPrograms());
  }

  @Test
  void reportsEveryBrokenRule() {
    List<String> problems =
        check(
            PolicyRule.allow("refund", "nope"),
            PolicyRule.allow("refund", "true"),
            PolicyRule.allow("mail", "1 +"));
    assertEquals(3, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("policies[0].when:"), problems.toString());
    assertTrue(problems.get(1).startsWith("policies[2].tool:"), problems.toString());
    assertTrue(problems.get(2).startsWith("policies[2].when:"), problems.toString());
  }

  @Test
  void settingsComeFromTheRuntimeReferenceConf() {
    assertEquals(
        PolicyFixtures.defaults(), PolicySettings.fromConfig(ConfigFactory.defaultReference()));
  }
}

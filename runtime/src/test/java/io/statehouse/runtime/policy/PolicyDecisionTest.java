package io.statehouse.runtime.policy;

import static io.statehouse.runtime.policy.PolicyFixtures.ALICE;
import static io.statehouse.runtime.policy.PolicyFixtures.BOB_APPROVER;
import static io.statehouse.runtime.policy.PolicyFixtures.call;
import static io.statehouse.runtime.policy.PolicyFixtures.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which effect {@link PolicyEngine#decide} picks, and how it fails closed. */
class PolicyDecisionTest {
  private final CelPolicyEngine engine = new CelPolicyEngine(PolicyFixtures.defaults());

  private static final PolicyRule BIG_REFUND_NEEDS_APPROVAL =
      PolicyRule.requireApproval(
          "refund",
          "input.amount > 100",
          List.of("approver", "operator"),
          "refunds over 100 need approval",
          Duration.ofHours(2));

  private PolicyDecision decide(PolicyFacts facts, PolicyRule... rules) {
    assertEquals(List.of(), engine.check(List.of(rules), PolicyFixtures.TOOLS));
    return engine.decide(List.of(rules), facts);
  }

  @Test
  void allowsWhenNoRuleApplies() {
    assertEquals(
        PolicyDecision.ALLOW_BY_DEFAULT,
        decide(call("refund", "{\"amount\": 5}"), BIG_REFUND_NEEDS_APPROVAL));
    assertEquals(PolicyDecision.ALLOW_BY_DEFAULT, engine.decide(List.of(), call("refund", "{}")));
  }

  @Test
  void aRuleForAnotherToolDoesNotApply() {
    assertEquals(
        PolicyDecision.ALLOW_BY_DEFAULT,
        decide(call("search", "{\"amount\": 500}"), BIG_REFUND_NEEDS_APPROVAL));
  }

  @Test
  void requiresApprovalWithTheRulesApproversReasonAndDeadline() {
    PolicyDecision d = decide(call("refund", "{\"amount\": 150}"), BIG_REFUND_NEEDS_APPROVAL);
    assertEquals(
        new PolicyDecision(
            PolicyEffect.REQUIRE_APPROVAL,
            0,
            "refunds over 100 need approval",
            List.of("approver", "operator"),
            Duration.ofHours(2)),
        d);
  }

  @Test
  void comparesIntAndDoubleAmountsAlike() {
    for (String amount : List.of("150", "150.5", "100.01", "1e3")) {
      assertEquals(
          PolicyEffect.REQUIRE_APPROVAL,
          decide(call("refund", "{\"amount\": " + amount + "}"), BIG_REFUND_NEEDS_APPROVAL)
              .effect(),
          amount);
    }
    for (String amount : List.of("100", "100.0", "99.99", "-500")) {
      assertEquals(
          PolicyEffect.ALLOW,
          decide(call("refund", "{\"amount\": " + amount + "}"), BIG_REFUND_NEEDS_APPROVAL)
              .effect(),
          amount);
    }
    // equality across int and double too
    assertEquals(
        PolicyEffect.DENY,
        decide(call("refund", "{\"n\": 2.0}"), PolicyRule.deny("refund", "input.n == 2", "two"))
            .effect());
  }

  @Test
  void aMissingFieldFailsClosed() {
    // Without has(), a missing field is an evaluation error, and an error denies: a rule meant to
    // hold back large refunds must not let through a call whose amount it cannot read.
    PolicyDecision d = decide(call("refund", "{\"sum\": 150}"), BIG_REFUND_NEEDS_APPROVAL);
    assertEquals(PolicyEffect.DENY, d.effect());
    assertEquals(0, d.ruleIndex());
    assertEquals(
        "policy rule 0 could not be evaluated: a field or variable it reads is missing"
            + " (test fields with has())",
        d.reason());
  }

  @Test
  void hasGuardsAnOptionalField() {
    PolicyRule guarded =
        PolicyRule.requireApproval(
            "refund", "has(input.amount) && input.amount > 100", List.of("approver"), null, null);
    assertEquals(PolicyEffect.ALLOW, decide(call("refund", "{\"sum\": 150}"), guarded).effect());
    PolicyDecision d = decide(call("refund", "{\"amount\": 150}"), guarded);
    assertEquals(PolicyEffect.REQUIRE_APPROVAL, d.effect());
    assertEquals("policy rule 0 requires approval", d.reason());
  }

  @Test
  void denyWinsOverApprovalWhateverTheOrder() {
    PolicyRule denyHuge =
        PolicyRule.deny("refund", "input.amount > 10000", "refunds over 10000 are never made");
    PolicyDecision d =
        decide(
            call("refund", "{\"amount\": 20000}"),
            PolicyRule.allow("refund", null),
            BIG_REFUND_NEEDS_APPROVAL,
            denyHuge);
    assertEquals(
        new PolicyDecision(
            PolicyEffect.DENY, 2, "refunds over 10000 are never made", List.of(), null),
        d);
  }

  @Test
  void approvalWinsOverAllowWhateverTheOrder() {
    PolicyDecision d =
        decide(
            call("refund", "{\"amount\": 500}"),
            PolicyRule.allow("refund", "input.amount > 0"),
            BIG_REFUND_NEEDS_APPROVAL);
    assertEquals(PolicyEffect.REQUIRE_APPROVAL, d.effect());
    assertEquals(1, d.ruleIndex());
  }

  @Test
  void theFirstApplicableApprovalRuleNamesTheApprovers() {
    PolicyRule managers =
        PolicyRule.requireApproval(
            "*", "input.amount > 50", List.of("manager"), "manager sign-off", null);
    PolicyDecision d =
        decide(call("refund", "{\"amount\": 500}"), managers, BIG_REFUND_NEEDS_APPROVAL);
    assertEquals(
        new PolicyDecision(
            PolicyEffect.REQUIRE_APPROVAL, 0, "manager sign-off", List.of("manager"), null),
        d);
  }

  @Test
  void anExplicitAllowNamesItsRule() {
    PolicyDecision d =
        decide(
            call("search", "{}"),
            PolicyRule.deny("refund", null, "no refunds"),
            new PolicyRule("search", null, PolicyEffect.ALLOW, List.of(), "search is safe", null));
    assertEquals(new PolicyDecision(PolicyEffect.ALLOW, 1, "search is safe", List.of(), null), d);
  }

  @Test
  void theWildcardAppliesToEveryTool() {
    PolicyRule costCap =
        PolicyRule.deny("*", "session.costUsd >= 1.0", "this session has spent its dollar");
    assertEquals(
        PolicyEffect.DENY,
        engine.decide(List.of(costCap), call(ALICE, "search", json("{}"), 1.25)).effect());
    assertEquals(
        PolicyEffect.ALLOW,
        engine.decide(List.of(costCap), call(ALICE, "refund", json("{}"), 0.5)).effect());
  }

  @Test
  void readsThePrincipalsRoles() {
    PolicyRule onlyApprovers =
        PolicyRule.deny("refund", "!('approver' in principal.roles)", "approvers only");
    assertEquals(
        PolicyEffect.DENY, decide(call(ALICE, "refund", json("{}"), 0), onlyApprovers).effect());
    assertEquals(
        PolicyEffect.ALLOW,
        decide(call(BOB_APPROVER, "refund", json("{}"), 0), onlyApprovers).effect());
  }

  @Test
  void readsEveryDeclaredVariable() {
    PolicyRule all =
        PolicyRule.deny(
            "refund",
            "principal.tenant == 'acme' && principal.subject == 'alice'"
                + " && agent.name == 'support' && agent.version == 3"
                + " && tool.name == 'refund' && tool.version == 2 && !tool.idempotent"
                + " && session.id == 's-1' && session.turnId == 't-1'"
                + " && session.totalTokens == 1200 && session.costUsd < 1.0"
                + " && session.modelCalls == 1 && session.toolCalls == 4"
                + " && input.items.exists(i, i.sku == 'A-1' && i.qty >= 2)"
                + " && input.note == null && input.express",
            "all seen");
    PolicyDecision d =
        decide(
            call(
                "refund",
                "{\"items\":[{\"sku\":\"A-1\",\"qty\":2}],\"note\":null,\"express\":true}"),
            all);
    assertEquals(PolicyEffect.DENY, d.effect(), d.reason());
    assertEquals("all seen", d.reason());
  }

  @Test
  void aConditionThatIsNotABoolAtRunTimeFailsClosed() {
    // input fields are dynamic: this compiles, and fails when flag turns out to be a string
    PolicyDecision d =
        decide(
            call("refund", "{\"flag\": \"yes\"}"),
            PolicyRule.allow("refund", "input.flag"),
            PolicyRule.allow("refund", "true"));
    assertEquals(PolicyEffect.DENY, d.effect());
    assertEquals(
        "policy rule 0 could not be evaluated: it did not evaluate to true or false", d.reason());
  }

  @Test
  void anInputThatIsNotAnObjectDeniesOnlyRulesThatReadIt() {
    PolicyRule readsInput = PolicyRule.deny("refund", "input.amount > 100", null);
    PolicyRule readsRoles = PolicyRule.deny("refund", "'root' in principal.roles", null);
    assertEquals(
        PolicyEffect.DENY,
        engine.decide(List.of(readsInput), call(ALICE, "refund", json("[1,2]"), 0)).effect());
    assertEquals(
        PolicyEffect.ALLOW,
        engine.decide(List.of(readsRoles), call(ALICE, "refund", json("[1,2]"), 0)).effect());
  }

  @Test
  void aDenialReasonNeverQuotesTheInput() {
    // CEL's own messages can quote arguments ("Function 'x' failed with arg(s) '…'"); the
    // decision is an event and reaches the model, so it must carry none of them
    String secret = "sk-live-very-secret-4242";
    List<PolicyRule> rules =
        List.of(
            PolicyRule.deny("refund", "int(input.token) > 0", null),
            PolicyRule.deny("refund", "input.token.matches(input.pattern)", null),
            PolicyRule.deny("refund", "input[input.token] == 1", null),
            PolicyRule.deny("refund", "duration(input.token) > duration('1s')", null));
    for (PolicyRule rule : rules) {
      PolicyDecision d =
          engine.decide(
              List.of(rule),
              call("refund", "{\"token\": \"" + secret + "\", \"pattern\": \"(" + secret + "\"}"));
      assertEquals(PolicyEffect.DENY, d.effect(), rule.when());
      assertTrue(d.reason().startsWith("policy rule 0 could not be evaluated: "), d.reason());
      assertFalse(d.reason().contains("4242"), d.reason());
    }
  }

  @Test
  void aDenyRuleWithoutAReasonGetsOne() {
    PolicyDecision d = decide(call("refund", "{}"), PolicyRule.deny("refund", null, null));
    assertEquals("denied by policy rule 0", d.reason());
    assertNull(d.expiresAfter());
  }

  @Test
  void evaluatesRulesThatWereNeverChecked() {
    // after a restart the cache is empty: decide compiles what the pinned spec holds
    CelPolicyEngine fresh = new CelPolicyEngine(PolicyFixtures.defaults());
    assertEquals(
        PolicyEffect.REQUIRE_APPROVAL,
        fresh
            .decide(List.of(BIG_REFUND_NEEDS_APPROVAL), call("refund", "{\"amount\": 101}"))
            .effect());
    assertEquals(1, fresh.cachedPrograms());
  }

  @Test
  void aPinnedRuleThatNoLongerCompilesDenies() {
    // a spec accepted before the limits were lowered, or written by hand into the journal
    PolicyDecision d =
        engine.decide(List.of(PolicyRule.allow("refund", "input.amount >")), call("refund", "{}"));
    assertEquals(PolicyEffect.DENY, d.effect());
    assertEquals("policy rule 0 could not be evaluated: it does not compile", d.reason());
  }

  @Test
  void aMalformedPinnedRuleDenies() {
    PolicyDecision d =
        engine.decide(
            List.of(
                new PolicyRule("refund", null, PolicyEffect.REQUIRE_APPROVAL, null, null, null)),
            call("refund", "{}"));
    assertEquals(PolicyEffect.DENY, d.effect());
    assertEquals("policy rule 0 is malformed", d.reason());
  }

  @Test
  void anErrorInAnEarlierRuleDeniesBeforeALaterDenyRule() {
    PolicyDecision d =
        decide(
            call("refund", "{\"amount\": 0}"),
            PolicyRule.allow("refund", "10 / input.amount > 1"),
            PolicyRule.deny("refund", null, "never"));
    assertEquals(0, d.ruleIndex());
    assertEquals("policy rule 0 could not be evaluated: division by zero", d.reason());
  }
}

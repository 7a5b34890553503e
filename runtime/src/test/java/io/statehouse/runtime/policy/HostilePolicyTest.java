package io.statehouse.runtime.policy;

import static io.statehouse.runtime.policy.PolicyFixtures.TOOLS;
import static io.statehouse.runtime.policy.PolicyFixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeout;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Expressions written to stall or exhaust a node. Each must be rejected at registration or denied
 * at evaluation, quickly. The time bound is generous (the build shares two cores); the unbounded
 * versions of these expressions run for minutes or exhaust the heap.
 */
class HostilePolicyTest {
  private static final Duration QUICKLY = Duration.ofSeconds(3);
  private static final String TEN = "[1,2,3,4,5,6,7,8,9,10]";

  /**
   * The default limits, but plenty of CPU time: each test is about one limit, and on a cold JVM the
   * CPU-time limit could otherwise stop an evaluation first.
   */
  private final CelPolicyEngine engine =
      new CelPolicyEngine(PolicyFixtures.with(20_000, 1000, Duration.ofSeconds(30), 1000));

  /** An input with {@code items} (n numbers), {@code big} (chars 'a') and {@code text}. */
  private static PolicyFacts bigInput(int items, int bigChars) {
    ObjectNode input = JsonNodeFactory.instance.objectNode();
    ArrayNode list = input.putArray("items");
    for (int i = 0; i < items; i++) {
      list.add(i);
    }
    input.put("big", "a".repeat(bigChars));
    return PolicyFixtures.call(PolicyFixtures.ALICE, "refund", input, 0);
  }

  /** Checks {@code rule} (it must be accepted), then decides it within {@link #QUICKLY}. */
  private PolicyDecision registerAndDecide(PolicyRule rule, PolicyFacts facts) {
    assertEquals(List.of(), engine.check(List.of(rule), TOOLS));
    return assertTimeout(QUICKLY, () -> engine.decide(List.of(rule), facts));
  }

  private static void assertDeniedBecause(PolicyDecision d, String why) {
    assertEquals(PolicyEffect.DENY, d.effect(), d.reason());
    assertEquals("policy rule 0 could not be evaluated: " + why, d.reason());
  }

  @Test
  void nestedComprehensionsOverLiteralListsHitTheIterationLimit() {
    // 10^5 iterations unbounded; the limit counts nested iterations together
    String nested =
        TEN
            + ".all(a, "
            + TEN
            + ".all(b, "
            + TEN
            + ".all(c, "
            + TEN
            + ".all(d, "
            + TEN
            + ".all(e, a + b + c + d + e > 0)))))";
    assertDeniedBecause(
        registerAndDecide(PolicyRule.allow("refund", nested), call("refund", "{}")),
        "its comprehensions exceeded 1000 iterations");
  }

  @Test
  void nestedComprehensionsOverALargeInputHitTheIterationLimit() {
    // 10^8 comparisons unbounded
    assertDeniedBecause(
        registerAndDecide(
            PolicyRule.allow("refund", "input.items.all(x, input.items.all(y, x == y || x != y))"),
            bigInput(10_000, 0)),
        "its comprehensions exceeded 1000 iterations");
  }

  @Test
  void anIterationLimitAbsorbedByOrStillEndsQuickly() {
    // CEL's || absorbs the error of one side when the other is true; the work is still bounded
    PolicyDecision d =
        registerAndDecide(
            PolicyRule.deny(
                "refund", "input.items.exists(x, input.items.all(y, x < 0)) || true", "nope"),
            bigInput(10_000, 0));
    assertEquals(PolicyEffect.DENY, d.effect());
  }

  @Test
  void buildingLargeStringsInALoopRunsOutOfBudget() {
    // unbounded: 1000 strings of 200,000 characters kept in one list, 400 MB of heap
    assertDeniedBecause(
        registerAndDecide(
            PolicyRule.allow("refund", "input.items.map(x, input.big + input.big).size() > 0"),
            bigInput(1000, 100_000)),
        "it exceeded the evaluation cost limit of 20000");
  }

  @Test
  void theCostLimitHoldsEvenWhenOrAbsorbsIt() {
    // the budget keeps failing once spent, and the engine checks it whatever CEL returned
    assertDeniedBecause(
        registerAndDecide(
            PolicyRule.allow(
                "refund", "input.items.map(x, input.big + input.big).size() > 0 || true"),
            bigInput(1000, 100_000)),
        "it exceeded the evaluation cost limit of 20000");
  }

  @Test
  void repeatedConcatenationRunsOutOfBudget() {
    String doubling = "input.big" + " + input.big".repeat(24);
    assertDeniedBecause(
        registerAndDecide(
            PolicyRule.allow("refund", "(" + doubling + ").size() > 0"), bigInput(0, 100_000)),
        "it exceeded the evaluation cost limit of 20000");
  }

  @Test
  void deeplyNestedParenthesesFailAtRegistration() {
    String deep = "(".repeat(990) + "true" + ")".repeat(990);
    List<String> problems =
        assertTimeout(
            QUICKLY, () -> engine.check(List.of(PolicyRule.allow("refund", deep)), TOOLS));
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(
        problems.get(0).contains("Expression recursion limit exceeded. limit: 32"),
        problems.toString());
  }

  @Test
  void deepNestingBeyondTheLengthLimitIsNeverParsed() {
    String deeper = "(".repeat(50_000) + "true" + ")".repeat(50_000);
    List<String> problems =
        assertTimeout(
            QUICKLY, () -> engine.check(List.of(PolicyRule.allow("refund", deeper)), TOOLS));
    assertEquals(List.of("policies[0].when: is longer than 2000 characters (100004)"), problems);
  }

  @Test
  void anExpressionWithTooManyNodesFailsAtRegistration() {
    PolicySettings d = PolicyFixtures.defaults();
    CelPolicyEngine small =
        new CelPolicyEngine(
            new PolicySettings(
                d.maxRules(),
                d.maxReasonChars(),
                d.maxExpressionChars(),
                d.maxExpressionDepth(),
                100,
                d.maxRegexProgramSize(),
                d.maxComprehensionIterations(),
                d.maxEvaluationCost(),
                d.evaluationCpuTime(),
                d.cacheSize()));
    String wide = "[" + "1,".repeat(200) + "1].size() > 0";
    List<String> problems = small.check(List.of(PolicyRule.allow("refund", wide)), TOOLS);
    assertTrue(
        problems.get(0).contains("expression node limit (100) exceeded"), problems.toString());
  }

  @Test
  void aBacktrackingRegexRunsInLinearTimeOnALargeInput() {
    // a backtracking engine takes exponential time on this; RE2J answers in one pass
    PolicyDecision d =
        registerAndDecide(
            PolicyRule.deny("refund", "input.big.matches('^(a+)+$') == false", "no"),
            bigInput(0, 50_000));
    assertEquals(PolicyEffect.ALLOW, d.effect(), d.reason());
  }

  @Test
  void anOversizedRegexIsDenied() {
    String pattern = "(a*)".repeat(300);
    assertDeniedBecause(
        registerAndDecide(
            PolicyRule.allow("refund", "input.big.matches('" + pattern + "')"), bigInput(0, 10)),
        "a function got an invalid argument (a regex over the size limit, a bad format)");
  }

  @Test
  void theCpuTimeLimitStopsALongEvaluation() {
    // 90,000 iterations within the cost limit take tens of milliseconds; the call has one
    CelPolicyEngine impatient =
        new CelPolicyEngine(PolicyFixtures.with(1_000_000, 100_000, Duration.ofMillis(1), 10));
    PolicyDecision d =
        impatient.decide(
            List.of(PolicyRule.allow("refund", "input.items.all(x, input.items.all(y, x >= 0))")),
            bigInput(300, 0));
    assertEquals(PolicyEffect.DENY, d.effect());
    assertEquals(
        "policy rule 0 could not be evaluated: the policies of this call used more than 1 ms of"
            + " CPU time",
        d.reason());
  }

  @Test
  void theCpuTimeLimitStopsAnEvaluationBetweenSteps() {
    // a clock that advances 1 ms per read, read every 64 steps: 500 iterations pass 5 ms
    CelPolicyEngine impatient =
        new CelPolicyEngine(
            PolicyFixtures.with(1_000_000, 100_000, Duration.ofMillis(5), 10),
            PolicyFixtures.ticking(Duration.ofMillis(1)));
    PolicyDecision d =
        impatient.decide(
            List.of(PolicyRule.allow("refund", "input.items.all(x, x >= 0)")), bigInput(500, 0));
    assertEquals(PolicyEffect.DENY, d.effect());
    assertTrue(d.reason().endsWith("used more than 5 ms of CPU time"), d.reason());
  }

  @Test
  void theCpuTimeLimitCoversAllRulesOfACallTogether() {
    // Each rule reads a long string, so the clock is read at that step and when it ends: each
    // spends 10 ms of the call's 15. Rule 0 fits; rule 1 goes over.
    CelPolicyEngine impatient =
        new CelPolicyEngine(
            PolicyFixtures.with(1_000_000, 100_000, Duration.ofMillis(15), 10),
            PolicyFixtures.ticking(Duration.ofMillis(10)));
    PolicyRule readsBig = PolicyRule.allow("refund", "input.big.size() > 0");
    PolicyDecision d = impatient.decide(List.of(readsBig, readsBig, readsBig), bigInput(0, 10_000));
    assertEquals(PolicyEffect.DENY, d.effect());
    assertEquals(1, d.ruleIndex());
  }

  @Test
  void aShortExpressionNeverReadsTheClock() {
    // reading a thread's CPU time costs about a microsecond, more than a short rule
    CelPolicyEngine engine =
        new CelPolicyEngine(
            PolicyFixtures.defaults(),
            () -> {
              throw new AssertionError("the clock was read");
            });
    assertEquals(
        PolicyEffect.REQUIRE_APPROVAL,
        engine
            .decide(
                List.of(
                    PolicyRule.requireApproval(
                        "refund",
                        "has(input.amount) && input.amount > 100 && session.costUsd < 1.0",
                        List.of("approver"),
                        null,
                        null)),
                call("refund", "{\"amount\": 150}"))
            .effect());
  }
}

package io.statehouse.runtime.policy;

import static io.statehouse.runtime.policy.PolicyFixtures.ALICE;
import static io.statehouse.runtime.policy.PolicyFixtures.BOB_APPROVER;
import static io.statehouse.runtime.policy.PolicyFixtures.TOOLS;
import static io.statehouse.runtime.policy.PolicyFixtures.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One engine serves every session of a node: concurrent decisions and a bounded cache. */
class PolicyEngineSharingTest {
  private static final List<PolicyRule> RULES =
      List.of(
          PolicyRule.deny("refund", "input.amount > 1000", "too much"),
          PolicyRule.requireApproval(
              "refund",
              "input.amount > 100 && !('approver' in principal.roles)",
              List.of("approver"),
              null,
              null));

  @Test
  void decidesConcurrentlyWithoutInterference() throws Exception {
    assertEquals(List.of(), wrongDecisions(new CelPolicyEngine(PolicyFixtures.defaults()), 2000));
  }

  @Test
  void compilesAndEvictsConcurrentlyWithoutInterference() throws Exception {
    // a cache of one for two expressions: every decision compiles, and evicts what another
    // thread is about to use
    CelPolicyEngine engine =
        new CelPolicyEngine(PolicyFixtures.with(20_000, 1000, Duration.ofSeconds(5), 1));
    assertEquals(List.of(), wrongDecisions(engine, 100));
    assertEquals(1, engine.cachedPrograms());
  }

  /** Decisions on four threads at once that differ from what the rules say. */
  private static List<String> wrongDecisions(CelPolicyEngine engine, int perThread)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<String>>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        results.add(
            pool.submit(
                () -> {
                  List<String> wrong = new ArrayList<>();
                  for (int i = 0; i < perThread; i++) {
                    int amount = (i * 37 + thread * 11) % 1500;
                    boolean approver = (i + thread) % 3 == 0;
                    PolicyFacts facts =
                        PolicyFixtures.call(
                            approver ? BOB_APPROVER : ALICE,
                            "refund",
                            json("{\"amount\": " + amount + "}"),
                            0);
                    PolicyEffect expected =
                        amount > 1000
                            ? PolicyEffect.DENY
                            : amount > 100 && !approver
                                ? PolicyEffect.REQUIRE_APPROVAL
                                : PolicyEffect.ALLOW;
                    PolicyDecision d = engine.decide(RULES, facts);
                    if (d.effect() != expected) {
                      wrong.add(amount + " " + approver + ": " + d);
                    }
                  }
                  return wrong;
                }));
      }
      List<String> wrong = new ArrayList<>();
      for (Future<List<String>> r : results) {
        wrong.addAll(r.get(60, TimeUnit.SECONDS));
      }
      return wrong;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theProgramCacheIsBounded() {
    CelPolicyEngine engine =
        new CelPolicyEngine(PolicyFixtures.with(20_000, 1000, Duration.ofSeconds(1), 3));
    List<PolicyRule> rules = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      rules.add(PolicyRule.deny("refund", "input.amount > " + i, null));
    }
    assertEquals(List.of(), engine.check(rules, TOOLS));
    assertEquals(3, engine.cachedPrograms());
    // an evicted program is compiled again when a call needs it
    PolicyDecision d = engine.decide(rules, PolicyFixtures.call("refund", "{\"amount\": 5}"));
    assertEquals(PolicyEffect.DENY, d.effect());
    assertEquals(0, d.ruleIndex());
    assertEquals(3, engine.cachedPrograms());
  }
}

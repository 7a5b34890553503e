package io.statehouse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.policy.CelPolicyEngine;
import io.statehouse.runtime.policy.PolicyEffect;
import io.statehouse.runtime.policy.PolicyEngine;
import io.statehouse.runtime.policy.PolicyFacts;
import io.statehouse.runtime.policy.PolicyRule;
import io.statehouse.runtime.policy.PolicySettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What policies cost per tool call: {@link PolicyEngine#decide} for a support agent with five rules
 * (four with a CEL condition, one reading a list with a macro), on one thread, after a warm-up,
 * with the default limits of statehouse/policy.conf. Each sample is one decision, including the
 * conversion of the call's JSON input for CEL. Also what {@link PolicyEngine#check} costs for the
 * same rules when none is cached (compiling at registration).
 */
final class PolicyCost {
  static final List<PolicyRule> RULES =
      List.of(
          PolicyRule.deny(
              "refund", "has(input.amount) && input.amount > 10000", "refunds over 10000"),
          PolicyRule.requireApproval(
              "refund",
              "input.amount > 100 && !('approver' in principal.roles)",
              List.of("approver"),
              "refunds over 100 need approval",
              Duration.ofHours(4)),
          PolicyRule.requireApproval(
              "refund",
              "input.items.exists(i, i.category == 'gift_card')",
              List.of("operator"),
              "gift cards",
              null),
          PolicyRule.deny("*", "session.costUsd > 5.0", "this session has spent its budget"),
          PolicyRule.allow("lookup_order", null));
  static final Set<String> TOOLS = Set.of("refund", "lookup_order");

  private PolicyCost() {}

  /** The figures: one line for decide, one for check. */
  static List<String> run(int warmupCalls, int measuredCalls) {
    PolicyEngine engine =
        new CelPolicyEngine(PolicySettings.fromConfig(ConfigFactory.defaultReference()));
    if (!engine.check(RULES, TOOLS).isEmpty()) {
      throw new IllegalStateException("bench rules rejected: " + engine.check(RULES, TOOLS));
    }
    List<PolicyFacts> calls = calls();
    Map<PolicyEffect, Integer> effects = new EnumMap<>(PolicyEffect.class);
    List<Long> samples = new ArrayList<>(measuredCalls);
    for (int i = 0; i < warmupCalls + measuredCalls; i++) {
      PolicyFacts facts = calls.get(i % calls.size());
      long start = System.nanoTime();
      PolicyEffect effect = engine.decide(RULES, facts).effect();
      long took = System.nanoTime() - start;
      if (i >= warmupCalls) {
        samples.add(took);
        effects.merge(effect, 1, Integer::sum);
      }
    }
    Stats decide = new Stats(samples);

    // every check compiles: the expressions differ by trailing spaces, so none is cached
    PolicyEngine compiling =
        new CelPolicyEngine(PolicySettings.fromConfig(ConfigFactory.defaultReference()));
    List<Long> checks = new ArrayList<>();
    int checkRuns = 2000;
    for (int i = 0; i < 2 * checkRuns; i++) {
      String pad = " ".repeat(i % 500 + 1) + "\t".repeat(i / 500);
      List<PolicyRule> rules = new ArrayList<>();
      for (PolicyRule r : RULES) {
        rules.add(
            new PolicyRule(
                r.tool(),
                r.when() == null ? null : r.when() + pad,
                r.effect(),
                r.approvers(),
                r.reason(),
                r.expiresAfter()));
      }
      long start = System.nanoTime();
      compiling.check(rules, TOOLS);
      if (i >= checkRuns) {
        checks.add(System.nanoTime() - start);
      }
    }
    Stats check = new Stats(checks);
    return List.of(
        String.format(
            "policy decide per tool call (%d rules, %d calls after %d warm-up; %s):"
                + " p50 %.1f us, p99 %.1f us, mean %.1f us",
            RULES.size(),
            decide.count(),
            warmupCalls,
            effects,
            decide.percentileMs(50) * 1000,
            decide.percentileMs(99) * 1000,
            decide.meanMs() * 1000),
        String.format(
            "policy check at registration, %d expressions compiled (%d runs): p50 %.0f us, p99 %.0f us",
            RULES.stream().filter(PolicyRule::hasCondition).count(),
            check.count(),
            check.percentileMs(50) * 1000,
            check.percentileMs(99) * 1000));
  }

  /** Refund and lookup calls by a developer and an approver, amounts as ints and doubles. */
  private static List<PolicyFacts> calls() {
    Principal developer = new Principal("acme", "alice", List.of("developer"));
    Principal approver = new Principal("acme", "bob", List.of("developer", "approver"));
    List<PolicyFacts> calls = new ArrayList<>();
    String[] amounts = {"25", "150.5", "99.99", "480", "12000"};
    for (int i = 0; i < 20; i++) {
      String category = i % 7 == 0 ? "gift_card" : "books";
      JsonNode input =
          json(
              "{\"orderId\":\"o-"
                  + (1000 + i)
                  + "\",\"amount\":"
                  + amounts[i % amounts.length]
                  + ",\"currency\":\"EUR\",\"reason\":\"damaged in transit\",\"items\":["
                  + "{\"sku\":\"B-1\",\"category\":\"books\",\"qty\":1},"
                  + "{\"sku\":\"X-2\",\"category\":\""
                  + category
                  + "\",\"qty\":2}]}");
      String tool = i % 4 == 3 ? "lookup_order" : "refund";
      calls.add(
          new PolicyFacts(
              i % 3 == 0 ? approver : developer,
              new PolicyFacts.Agent("support", 3),
              new PolicyFacts.Tool(tool, 1, tool.equals("lookup_order")),
              tool.equals("refund") ? input : json("{\"orderId\":\"o-1\"}"),
              new PolicyFacts.Session("s-" + i, "t-1", 1500L * i, 0.02 * i, 1, i)));
    }
    return calls;
  }

  private static JsonNode json(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}

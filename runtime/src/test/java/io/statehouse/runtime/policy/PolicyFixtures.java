package io.statehouse.runtime.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.json.Json;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Facts and settings the policy tests share: an agent with a refund and a search tool. */
final class PolicyFixtures {
  static final Set<String> TOOLS = Set.of("refund", "search");
  static final Principal ALICE = new Principal("acme", "alice", List.of("developer"));
  static final Principal BOB_APPROVER = new Principal("acme", "bob", List.of("approver"));

  private PolicyFixtures() {}

  /** The defaults of statehouse/policy.conf alone, so other modules' config cannot change them. */
  static PolicySettings defaults() {
    return PolicySettings.fromConfig(
        ConfigFactory.parseResources("statehouse/policy.conf").resolve());
  }

  static PolicySettings with(
      long maxEvaluationCost, int maxIterations, Duration cpuTime, int cacheSize) {
    PolicySettings d = defaults();
    return new PolicySettings(
        d.maxRules(),
        d.maxReasonChars(),
        d.maxExpressionChars(),
        d.maxExpressionDepth(),
        d.maxExpressionNodes(),
        d.maxRegexProgramSize(),
        maxIterations,
        maxEvaluationCost,
        cpuTime,
        cacheSize);
  }

  /** A clock for CPU time that advances by {@code step} at every read. */
  static LongSupplier ticking(Duration step) {
    AtomicLong now = new AtomicLong();
    return () -> now.addAndGet(step.toNanos());
  }

  static JsonNode json(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  static PolicyFacts call(String tool, String inputJson) {
    return call(ALICE, tool, json(inputJson), 0.0);
  }

  static PolicyFacts call(Principal principal, String tool, JsonNode input, double costUsd) {
    return new PolicyFacts(
        principal,
        new PolicyFacts.Agent("support", 3),
        new PolicyFacts.Tool(tool, 2, false),
        input,
        new PolicyFacts.Session("s-1", "t-1", 1200, costUsd, 1, 4));
  }
}

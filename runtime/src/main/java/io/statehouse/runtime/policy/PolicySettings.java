package io.statehouse.runtime.policy;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Limits of policy expressions, from {@code statehouse.policy} (statehouse/policy.conf explains
 * each). The expression limits apply at registration; the evaluation limits bound each rule on
 * every tool call.
 */
public record PolicySettings(
    int maxRules,
    int maxReasonChars,
    int maxExpressionChars,
    int maxExpressionDepth,
    int maxExpressionNodes,
    int maxRegexProgramSize,
    int maxComprehensionIterations,
    long maxEvaluationCost,
    Duration evaluationCpuTime,
    int cacheSize) {

  public PolicySettings {
    if (maxRules < 1
        || maxReasonChars < 1
        || maxExpressionChars < 1
        || maxExpressionDepth < 1
        || maxExpressionNodes < 1
        || maxRegexProgramSize < 1
        || maxComprehensionIterations < 0
        || maxEvaluationCost < 1
        || cacheSize < 1) {
      throw new IllegalArgumentException("statehouse.policy limits must be positive");
    }
    if (evaluationCpuTime == null || evaluationCpuTime.isNegative() || evaluationCpuTime.isZero()) {
      throw new IllegalArgumentException("statehouse.policy.evaluation-cpu-time must be positive");
    }
  }

  public static PolicySettings fromConfig(Config root) {
    Config c = root.getConfig("statehouse.policy");
    return new PolicySettings(
        c.getInt("max-rules"),
        c.getInt("max-reason-chars"),
        c.getInt("max-expression-chars"),
        c.getInt("max-expression-depth"),
        c.getInt("max-expression-nodes"),
        c.getInt("max-regex-program-size"),
        c.getInt("max-comprehension-iterations"),
        c.getLong("max-evaluation-cost"),
        c.getDuration("evaluation-cpu-time"),
        c.getInt("cache-size"));
  }
}

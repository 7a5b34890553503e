package io.statehouse.runtime.policy.guardrail;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Bounds of guardrail checks, from {@code statehouse.guardrails} (statehouse/guardrails.conf).
 *
 * @param regexTimeBudget how long one check (one text, or one JSON document) may scan; past it the
 *     check fails closed
 * @param maxTextChars a longer text (or JSON document, counting its strings) is not scanned: fail
 *     closed
 * @param maxJsonDepth deeper JSON is not scanned: fail closed
 * @param maxRules redaction plus deny rules of one agent
 * @param maxPatternChars length of one tenant regex
 * @param maxProgramSize size of one tenant regex once compiled, repetitions expanded
 */
public record GuardrailSettings(
    Duration regexTimeBudget,
    int maxTextChars,
    int maxJsonDepth,
    int maxRules,
    int maxPatternChars,
    int maxProgramSize) {

  public GuardrailSettings {
    if (regexTimeBudget == null || regexTimeBudget.isNegative() || regexTimeBudget.isZero()) {
      throw new IllegalArgumentException(
          "statehouse.guardrails.regex-time-budget must be positive");
    }
    if (maxTextChars < 1 || maxJsonDepth < 1 || maxRules < 1) {
      throw new IllegalArgumentException(
          "statehouse.guardrails max-text-chars, max-json-depth and max-rules must be positive");
    }
    if (maxPatternChars < 1 || maxProgramSize < 1) {
      throw new IllegalArgumentException(
          "statehouse.guardrails max-pattern-chars and max-program-size must be positive");
    }
  }

  public static GuardrailSettings fromConfig(Config root) {
    Config c = root.getConfig("statehouse.guardrails");
    return new GuardrailSettings(
        c.getDuration("regex-time-budget"),
        c.getInt("max-text-chars"),
        c.getInt("max-json-depth"),
        c.getInt("max-rules"),
        c.getInt("max-pattern-chars"),
        c.getInt("max-program-size"));
  }

  public GuardrailSettings withRegexTimeBudget(Duration budget) {
    return new GuardrailSettings(
        budget, maxTextChars, maxJsonDepth, maxRules, maxPatternChars, maxProgramSize);
  }

  public GuardrailSettings withMaxTextChars(int chars) {
    return new GuardrailSettings(
        regexTimeBudget, chars, maxJsonDepth, maxRules, maxPatternChars, maxProgramSize);
  }
}

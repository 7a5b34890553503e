package io.statehouse.runtime.policy.guardrail;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.re2j.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The size estimate is what stands between a tenant's regex and RE2/J's unbounded compiler, so it
 * must never be below what RE2/J really compiles.
 */
class PatternSizeTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "EMP-[0-9]{6}",
        "(?i)ignore (all )?previous instructions",
        "sk-[A-Za-z0-9]{20,}",
        "(a{10}){10}",
        "((ab){3,5}c){2,}",
        "(?P<id>[a-z]{1,50})-\\d{4}",
        "[\\]()]{5}x{3}",
        "[[:alpha:]]{20}",
        "\\Q(((\\E{10}",
        "\\p{Greek}{30}|\\pL{12}",
        "(?:a|b|c){100}",
        "(?i:x{7}){9}",
        "a{2}{3}",
        "^(\\w+\\s?)*$",
        "(?:a{1,100})*b",
        "x{1000}",
        "[a-z]{0,1000}",
        "((((a{5}){5}){5}){5})"
      })
  void neverUnderestimatesWhatRe2jCompiles(String regex) {
    int actual;
    try {
      actual = Pattern.compile(regex).programSize();
    } catch (com.google.re2j.PatternSyntaxException e) {
      return; // refused by the compiler anyway; validation reports its message
    }
    long estimate = PatternSize.estimate(regex);
    assertTrue(estimate >= actual, regex + ": estimated " + estimate + ", compiled " + actual);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "((a{1000}){1000}){1000}",
        "(((((a{10}){10}){10}){10}){10}){10}",
        "(?:(?:x{999}){999})",
        "[(]((b{1000}){1000})"
      })
  void ranksNestedRepetitionsAsHugeWithoutCompilingThem(String regex) {
    assertTrue(PatternSize.estimate(regex) > 1_000_000, regex);
  }
}

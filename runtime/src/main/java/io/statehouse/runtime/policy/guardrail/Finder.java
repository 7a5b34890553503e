package io.statehouse.runtime.policy.guardrail;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;

/** Finds what one redaction rule redacts in a text. Immutable and thread-safe. */
interface Finder {
  /**
   * Adds the ranges of {@code text} to redact to {@code out}. Reads the text through {@code
   * budget}, which throws {@link Budget.Exceeded} when the check runs out of time.
   */
  void find(String text, TextFacts facts, Budget budget, Spans out);

  /** A tenant's regex: every non-empty match is redacted. */
  record Regex(String name, Pattern pattern) implements Finder {
    @Override
    public void find(String text, TextFacts facts, Budget budget, Spans out) {
      Matcher m = pattern.matcher(budget.meter(text));
      // after an empty match, find() moves on by one character itself
      while (m.find()) {
        out.add(m.start(), m.end(), name);
      }
    }
  }

  /** Cheap facts about a text that let a built-in skip texts it cannot match. */
  record TextFacts(int digits, boolean hasAt) {
    static TextFacts of(String text) {
      int digits = 0;
      boolean at = false;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c >= '0' && c <= '9') {
          digits++;
        } else if (c == '@') {
          at = true;
        }
      }
      return new TextFacts(digits, at);
    }
  }
}

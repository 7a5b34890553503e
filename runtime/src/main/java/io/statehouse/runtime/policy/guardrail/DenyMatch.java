package io.statehouse.runtime.policy.guardrail;

import io.statehouse.runtime.CborSerializable;
import java.util.Objects;

/**
 * Why a text was refused: the deny rule's name and its reason, never the text that matched (the
 * turn's failure is recorded with this, so the raw value must not be in it).
 */
public record DenyMatch(String rule, String reason) implements CborSerializable {
  /** The rule name of a check that failed closed (see {@link #BUDGET_EXCEEDED}). */
  public static final String TIMEOUT_RULE = "guardrail_timeout";

  /**
   * A check that ran out of time, or a text too long or too deep to scan: treated as matched, since
   * an unchecked text must not pass.
   */
  public static final DenyMatch BUDGET_EXCEEDED =
      new DenyMatch(TIMEOUT_RULE, "guardrail check exceeded its time budget");

  public DenyMatch {
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(reason, "reason");
  }
}

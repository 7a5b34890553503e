package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import java.math.BigDecimal;

/**
 * Bounds checked before every model call; a call that would cross one (its request's size
 * estimated) is not made, and the turn fails with a recorded reason.
 *
 * @param maxStepsPerTurn model calls allowed in one turn
 * @param maxTokensPerSession tokens (input of any kind plus output) over the session's life; 0
 *     means no bound
 * @param maxCostUsd spend over the session's life; null means no bound
 * @param maxTokensPerTurn tokens within one turn; 0 means no bound (and agents registered before it
 *     existed read it as 0)
 */
public record Limits(
    int maxStepsPerTurn, long maxTokensPerSession, BigDecimal maxCostUsd, long maxTokensPerTurn)
    implements CborSerializable {
  public Limits {
    if (maxStepsPerTurn < 1) {
      throw new IllegalArgumentException("maxStepsPerTurn must be at least 1");
    }
    if (maxTokensPerSession < 0) {
      throw new IllegalArgumentException("maxTokensPerSession must not be negative");
    }
    if (maxTokensPerTurn < 0) {
      throw new IllegalArgumentException("maxTokensPerTurn must not be negative");
    }
    if (maxCostUsd != null && maxCostUsd.signum() < 0) {
      throw new IllegalArgumentException("maxCostUsd must not be negative");
    }
  }

  /** Without a per-turn token bound. */
  public Limits(int maxStepsPerTurn, long maxTokensPerSession, BigDecimal maxCostUsd) {
    this(maxStepsPerTurn, maxTokensPerSession, maxCostUsd, 0);
  }

  /** Whether any bound needs the next call's size estimated (tokens or cost). */
  public boolean boundsSpend() {
    return maxTokensPerSession > 0 || maxTokensPerTurn > 0 || maxCostUsd != null;
  }
}

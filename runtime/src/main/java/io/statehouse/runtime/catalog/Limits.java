package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import java.math.BigDecimal;

/**
 * Bounds checked before every model call; crossing one fails the turn with a recorded reason.
 *
 * @param maxStepsPerTurn model calls allowed in one turn
 * @param maxTokensPerSession input plus output tokens over the session's life; 0 means no bound
 * @param maxCostUsd spend over the session's life; null means no bound
 */
public record Limits(int maxStepsPerTurn, long maxTokensPerSession, BigDecimal maxCostUsd)
    implements CborSerializable {
  public Limits {
    if (maxStepsPerTurn < 1) {
      throw new IllegalArgumentException("maxStepsPerTurn must be at least 1");
    }
    if (maxTokensPerSession < 0) {
      throw new IllegalArgumentException("maxTokensPerSession must not be negative");
    }
    if (maxCostUsd != null && maxCostUsd.signum() < 0) {
      throw new IllegalArgumentException("maxCostUsd must not be negative");
    }
  }
}

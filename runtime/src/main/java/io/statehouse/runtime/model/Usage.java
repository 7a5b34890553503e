package io.statehouse.runtime.model;

import io.statehouse.runtime.CborSerializable;
import java.math.BigDecimal;

/** Tokens and cost of model calls; adds up into turn and session ledgers. */
public record Usage(long inputTokens, long outputTokens, BigDecimal costUsd)
    implements CborSerializable {
  public static final Usage ZERO = new Usage(0, 0, BigDecimal.ZERO);

  public Usage {
    costUsd = costUsd == null ? BigDecimal.ZERO : costUsd;
  }

  public Usage plus(Usage other) {
    return new Usage(
        inputTokens + other.inputTokens,
        outputTokens + other.outputTokens,
        costUsd.add(other.costUsd));
  }

  public long totalTokens() {
    return inputTokens + outputTokens;
  }
}

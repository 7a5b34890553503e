package io.statehouse.runtime.model;

import io.statehouse.runtime.CborSerializable;
import java.math.BigDecimal;

/**
 * Tokens and cost of model calls; adds up into turn and session ledgers. {@code inputTokens} are
 * the input tokens read at full price; {@code cacheReadTokens} and {@code cacheWriteTokens} are the
 * input tokens a provider's prompt cache served or stored (null when none: events written before
 * they were counted, and calls without caching, keep their stored form).
 */
public record Usage(
    long inputTokens,
    long outputTokens,
    BigDecimal costUsd,
    Long cacheReadTokens,
    Long cacheWriteTokens)
    implements CborSerializable {
  public static final Usage ZERO = new Usage(0, 0, BigDecimal.ZERO);

  public Usage {
    costUsd = costUsd == null ? BigDecimal.ZERO : costUsd;
    cacheReadTokens = cacheReadTokens == null || cacheReadTokens == 0 ? null : cacheReadTokens;
    cacheWriteTokens = cacheWriteTokens == null || cacheWriteTokens == 0 ? null : cacheWriteTokens;
  }

  public Usage(long inputTokens, long outputTokens, BigDecimal costUsd) {
    this(inputTokens, outputTokens, costUsd, null, null);
  }

  public Usage plus(Usage other) {
    return new Usage(
        inputTokens + other.inputTokens,
        outputTokens + other.outputTokens,
        costUsd.add(other.costUsd),
        cacheRead() + other.cacheRead(),
        cacheWrite() + other.cacheWrite());
  }

  /** Input tokens served from a prompt cache; 0 when none. */
  public long cacheRead() {
    return cacheReadTokens == null ? 0 : cacheReadTokens;
  }

  /** Input tokens written to a prompt cache; 0 when none. */
  public long cacheWrite() {
    return cacheWriteTokens == null ? 0 : cacheWriteTokens;
  }

  /** Every token of the call: input at any price, and output. */
  public long totalTokens() {
    return inputTokens + cacheRead() + cacheWrite() + outputTokens;
  }
}

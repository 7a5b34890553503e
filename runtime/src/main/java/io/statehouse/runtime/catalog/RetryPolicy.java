package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import java.time.Duration;

/**
 * Retries of one tool call: at most {@code maxAttempts} attempts in all, waiting {@code backoff},
 * then twice that, and so on up to {@code maxBackoff}. Applied to idempotent tools only.
 */
public record RetryPolicy(int maxAttempts, Duration backoff, Duration maxBackoff)
    implements CborSerializable {
  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
    if (backoff == null || backoff.isNegative()) {
      throw new IllegalArgumentException("backoff must be zero or positive");
    }
    maxBackoff =
        maxBackoff == null || maxBackoff.compareTo(backoff) < 0
            ? backoff.multipliedBy(32)
            : maxBackoff;
  }

  /** The pause before attempt {@code nextAttempt} (2, 3, …). */
  public Duration delayBefore(int nextAttempt) {
    Duration d = backoff;
    for (int i = 2; i < nextAttempt && d.compareTo(maxBackoff) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
  }
}

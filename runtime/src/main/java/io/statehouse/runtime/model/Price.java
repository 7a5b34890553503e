package io.statehouse.runtime.model;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Objects;

/**
 * What one model's tokens cost, in USD per million tokens: input read at full price, output, and
 * input served from or written to the provider's prompt cache.
 */
public record Price(
    BigDecimal inputPerMillion,
    BigDecimal outputPerMillion,
    BigDecimal cacheReadPerMillion,
    BigDecimal cacheWritePerMillion) {
  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

  public static final Price FREE =
      new Price(BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO);

  public Price {
    Objects.requireNonNull(inputPerMillion, "input");
    Objects.requireNonNull(outputPerMillion, "output");
    Objects.requireNonNull(cacheReadPerMillion, "cache-read");
    Objects.requireNonNull(cacheWritePerMillion, "cache-write");
    for (BigDecimal p :
        new BigDecimal[] {
          inputPerMillion, outputPerMillion, cacheReadPerMillion, cacheWritePerMillion
        }) {
      if (p.signum() < 0) {
        throw new IllegalArgumentException("a price must not be negative: " + p);
      }
    }
  }

  /** The cost of {@code usage} at this price, exact (prices and token counts are exact). */
  public BigDecimal cost(Usage usage) {
    return cost(usage.inputTokens(), usage.outputTokens(), usage.cacheRead(), usage.cacheWrite());
  }

  /** The cost of so many tokens of each kind. */
  public BigDecimal cost(long input, long output, long cacheRead, long cacheWrite) {
    BigDecimal micro =
        inputPerMillion
            .multiply(BigDecimal.valueOf(input))
            .add(outputPerMillion.multiply(BigDecimal.valueOf(output)))
            .add(cacheReadPerMillion.multiply(BigDecimal.valueOf(cacheRead)))
            .add(cacheWritePerMillion.multiply(BigDecimal.valueOf(cacheWrite)));
    if (micro.signum() == 0) {
      return BigDecimal.ZERO;
    }
    return micro.divide(MILLION, MathContext.DECIMAL64).stripTrailingZeros();
  }
}

package io.statehouse.runtime.session;

import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.model.Usage;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * What a session's model calls used on one day (UTC, by the time each reply was recorded): the
 * session's share of its tenant's usage report for that day.
 */
public record DailyUsage(LocalDate day, long modelCalls, Usage usage) implements CborSerializable {
  public DailyUsage {
    usage = usage == null ? Usage.ZERO : usage;
  }

  static LocalDate dayOf(Instant at) {
    return LocalDate.ofInstant(at, ZoneOffset.UTC);
  }

  DailyUsage plus(Usage call) {
    return new DailyUsage(day, modelCalls + 1, usage.plus(call));
  }
}

package io.statehouse.runtime.usage;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** How a usage report groups its rows: by agent name, by model ({@code provider:id}) or by day. */
public enum GroupBy {
  AGENT,
  MODEL,
  DAY;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<GroupBy> fromWire(String wire) {
    return Arrays.stream(values()).filter(g -> g.wire().equals(wire)).findFirst();
  }

  /** The group {@code entry} falls in. */
  public String keyOf(UsageLedger.Entry entry) {
    return switch (this) {
      case AGENT -> entry.agent();
      case MODEL -> entry.provider() + (entry.model() == null ? "" : ":" + entry.model());
      case DAY -> entry.day().toString();
    };
  }
}

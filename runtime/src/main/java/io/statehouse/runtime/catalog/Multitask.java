package io.statehouse.runtime.catalog;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * What a message sent to a session during a running turn does (an agent's {@code multitask}). The
 * wire name is {@link #wire()}.
 */
public enum Multitask {
  /** Refused with 409 and the running turn's id (the default). */
  @JsonProperty("reject")
  REJECT,
  /**
   * Queued durably (an event) and run after the running turn, in the order sent; its turn id is
   * returned at once.
   */
  @JsonProperty("enqueue")
  ENQUEUE,
  /** The running turn is cancelled and the message starts the next one at once. */
  @JsonProperty("interrupt")
  INTERRUPT;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Multitask> fromWire(String wire) {
    return Arrays.stream(values()).filter(m -> m.wire().equals(wire)).findFirst();
  }
}

package io.statehouse.runtime.policy.guardrail;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/** What a deny rule checks (its {@code on}); the wire name is {@link #wire()}. */
public enum Direction {
  /** A user's message, before the turn starts. */
  @JsonProperty("input")
  INPUT,
  /** The model's text, before it reaches the user or a tool. */
  @JsonProperty("output")
  OUTPUT;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}

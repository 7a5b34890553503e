package io.statehouse.runtime.workspace;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/**
 * Where a team run stands. A running run whose members wait for a human shows as {@code
 * awaiting_approval} in the API, which reads the members' sessions; that is not a state of the
 * workspace itself.
 */
public enum RunStatus {
  @JsonProperty("running")
  RUNNING,
  /** The done condition held (or, without one, the pattern ran out of work). */
  @JsonProperty("done")
  DONE,
  /** A member's failure ended it, or it ran out of work without its done condition. */
  @JsonProperty("failed")
  FAILED,
  /** A limit of the team ended it: rounds, turns, cost or the deadline. */
  @JsonProperty("limit_reached")
  LIMIT_REACHED,
  @JsonProperty("cancelled")
  CANCELLED;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean ended() {
    return this != RUNNING;
  }
}

package io.statehouse.runtime.workspace;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/** Where a workspace task stands. The wire name is {@link #wire()}. */
public enum TaskStatus {
  @JsonProperty("open")
  OPEN,
  @JsonProperty("claimed")
  CLAIMED,
  @JsonProperty("done")
  DONE;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}

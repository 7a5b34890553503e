package io.statehouse.runtime.session;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/** Where a turn stands, as a turn's result reports it. The wire name is {@link #wire()}. */
public enum TurnStatus {
  /** Its model or tools are at work. */
  @JsonProperty("running")
  RUNNING,
  /** Sent during another turn to an agent that queues messages; it runs after those before it. */
  @JsonProperty("queued")
  QUEUED,
  /** A tool call waits for a human's approval. */
  @JsonProperty("awaiting_approval")
  AWAITING_APPROVAL,
  /** A tool call's outcome is unknown; a human decides. */
  @JsonProperty("needs_decision")
  NEEDS_DECISION,
  @JsonProperty("completed")
  COMPLETED,
  @JsonProperty("failed")
  FAILED,
  /** Stopped by a cancel, or by a message sent to an agent that interrupts. */
  @JsonProperty("cancelled")
  CANCELLED;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether the turn is over: completed, failed or cancelled (waiting for a human is not). */
  public boolean ended() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }

  /** Whether the turn will go on by itself: a caller waiting for its end keeps waiting. */
  public boolean goingOn() {
    return this == RUNNING || this == QUEUED;
  }
}

package io.statehouse.runtime.session;

import java.util.Locale;

/** Where a session is in its life; the API shows {@link #wire()}. */
public enum SessionStatus {
  /** Waiting for a message. */
  IDLE,
  /** A turn is in progress. */
  RUNNING,
  /** A turn waits for a human approval. */
  AWAITING_APPROVAL,
  /** A tool's outcome is unknown after a crash; a human must decide. */
  NEEDS_DECISION,
  /** Closed; accepts nothing more. */
  CLOSED,
  /**
   * Its journal has a gap or an edited event ({@link JournalBreak}): readable up to there, accepts
   * nothing more until an operator repairs it (docs/operations.md, "A session reports broken").
   */
  BROKEN;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static SessionStatus fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}

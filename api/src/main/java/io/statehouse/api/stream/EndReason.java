package io.statehouse.api.stream;

import java.util.Locale;

/** Why a live stream ended, as its last frame says. The wire name is {@link #wire()}. */
public enum EndReason {
  /** The session was closed: nothing more will come. */
  SESSION_CLOSED("the session was closed"),
  /** The team run ended (done, failed, cancelled or at a limit): nothing more will come. */
  RUN_ENDED("the team run ended"),
  /**
   * The client read too slowly and its buffer filled: reconnect with Last-Event-ID (or after=) set
   * to lastSeq to resume.
   */
  SLOW_CONSUMER(
      "the client did not keep up and its buffer filled; reconnect with Last-Event-ID: lastSeq"),
  /** The entity could not be followed (its node is gone and it did not come back in time). */
  UNAVAILABLE("the stream's source could not be followed; reconnect with Last-Event-ID: lastSeq");

  private final String message;

  EndReason(String message) {
    this.message = message;
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public String message() {
    return message;
  }
}

package io.statehouse.api.stream;

/**
 * Ends one client's stream early, with the reason its last frame gives. No stack trace: routine.
 */
final class StreamEnded extends RuntimeException {
  private final EndReason reason;

  StreamEnded(EndReason reason) {
    super(reason.wire(), null, false, false);
    this.reason = reason;
  }

  EndReason reason() {
    return reason;
  }
}

package io.statehouse.runtime;

/**
 * Why an entity refused a command, as the error of a {@code StatusReply}. The {@code code} is
 * stable and machine-readable ({@code session_not_found}, {@code turn_in_progress}, …); the API
 * maps it to an HTTP status. It carries no stack trace: it is an answer, not a bug. Serialized by
 * {@link RejectionSerializer} so it crosses nodes intact.
 *
 * @param turnId the turn the rejection is about, when there is one (e.g. the running turn)
 */
public final class Rejection extends RuntimeException {
  private final String code;
  private final String turnId;

  public Rejection(String code, String message) {
    this(code, message, null);
  }

  public Rejection(String code, String message, String turnId) {
    super(message, null, false, false);
    this.code = code;
    this.turnId = turnId;
  }

  public String code() {
    return code;
  }

  public String turnId() {
    return turnId;
  }

  @Override
  public String toString() {
    return "Rejection["
        + code
        + ": "
        + getMessage()
        + (turnId == null ? "" : ", turn " + turnId)
        + "]";
  }
}

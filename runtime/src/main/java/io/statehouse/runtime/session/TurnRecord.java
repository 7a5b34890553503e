package io.statehouse.runtime.session;

import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.model.Usage;
import java.time.Instant;

/**
 * A finished turn, kept (for the session's most recent turns) so that a repeated message with the
 * same idempotency key, or a late wait for the turn, gets the same answer.
 *
 * @param requestHash SHA-256 of the message that started the turn, so a key reused for another
 *     message is refused; null in records written before it was kept
 * @param stopReason why the model stopped its last answer of the turn (wire form, e.g. {@code
 *     max_tokens}); null when the turn ended without one and in records written before it was kept
 */
public record TurnRecord(
    String turnId,
    String idempotencyKey,
    boolean completed,
    String output,
    String errorCode,
    String errorMessage,
    Usage usage,
    Instant endedAt,
    String requestHash,
    String stopReason)
    implements CborSerializable {

  /** The error code of a cancelled turn's record. */
  public static final String CANCELLED = "cancelled";

  /** How the turn ended. */
  public TurnStatus status() {
    if (completed) {
      return TurnStatus.COMPLETED;
    }
    return CANCELLED.equals(errorCode) ? TurnStatus.CANCELLED : TurnStatus.FAILED;
  }
}

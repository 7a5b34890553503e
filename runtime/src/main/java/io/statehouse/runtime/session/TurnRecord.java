package io.statehouse.runtime.session;

import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.model.Usage;
import java.time.Instant;

/**
 * A finished turn, kept (for the session's most recent turns) so that a repeated message with the
 * same idempotency key, or a late wait for the turn, gets the same answer.
 */
public record TurnRecord(
    String turnId,
    String idempotencyKey,
    boolean completed,
    String output,
    String errorCode,
    String errorMessage,
    Usage usage,
    Instant endedAt)
    implements CborSerializable {}

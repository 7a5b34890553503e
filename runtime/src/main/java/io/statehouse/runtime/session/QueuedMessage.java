package io.statehouse.runtime.session;

import io.statehouse.runtime.CborSerializable;
import java.time.Instant;
import java.util.List;

/**
 * A message waiting for the running turn to end ({@code MessageQueued}): it starts turn {@code
 * turnId}, as {@code sentBy} (an audit actor) with {@code roles}. {@code blocked}: why an input
 * guardrail refused it, or null.
 */
public record QueuedMessage(
    String turnId,
    String content,
    String idempotencyKey,
    String sentBy,
    List<String> roles,
    Instant queuedAt,
    String blocked)
    implements CborSerializable {
  public QueuedMessage {
    roles = roles == null ? List.of() : List.copyOf(roles);
  }
}

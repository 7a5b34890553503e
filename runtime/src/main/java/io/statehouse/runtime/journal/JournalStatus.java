package io.statehouse.runtime.journal;

import java.time.Instant;

/**
 * Whether this node can use its journal, as the journal monitor last saw it. Published on the
 * node's event stream at every change; entities that keep journal state in memory subscribe to
 * {@link Unavailable}.
 */
public sealed interface JournalStatus {
  Instant since();

  /** Writes and reads of the journal are expected to work. */
  record Available(Instant since) implements JournalStatus {}

  /** The journal cannot be reached; {@code reason} says what the monitor saw. */
  record Unavailable(String reason, Instant since) implements JournalStatus {}
}

package io.statehouse.runtime.audit;

import io.statehouse.runtime.session.SessionState;

/**
 * A session snapshot as the snapshot store keeps it: the state, sealed with the audit key like the
 * events it sums up ({@link SessionSnapshotSerializer}). Read back, {@link #integrity()} says
 * whether the stored bytes are the ones a node wrote; only a {@link #trusted()} snapshot has a
 * state.
 *
 * @param state the session state, or null when the stored bytes cannot be vouched for
 * @param integrity {@link Integrity#UNSTORED} for one being written, {@link Integrity#VALID} for
 *     one read back intact, otherwise what is wrong with it
 */
public record SealedSnapshot(SessionState state, Integrity integrity) {

  /** A snapshot of {@code state} to store. */
  public static SealedSnapshot of(SessionState state) {
    return new SealedSnapshot(state, Integrity.UNSTORED);
  }

  /** Whether its state may be recovered from. */
  public boolean trusted() {
    return state != null && (integrity == Integrity.VALID || integrity == Integrity.UNSTORED);
  }
}

package io.statehouse.runtime.session;

import io.statehouse.runtime.CborSerializable;
import java.time.Instant;

/**
 * Where a session's journal stops making sense: an event whose {@code prevHash} is not the hash of
 * the event applied before it, whose MAC does not match its stored bytes, or that carries no MAC
 * although events before it did. A journal written by Statehouse never has one (every write follows
 * a read of the journal); it comes from a restored backup, a hand edit, or a store that lost
 * acknowledged writes. The session stays readable up to the last linked event and accepts nothing.
 *
 * @param lastLinkedHash the hash of the last event that is part of the chain
 * @param eventType the class name of the first event that does not link to it
 * @param eventPrevHash that event's {@code prevHash}
 * @param eventAt when that event was written
 * @param reason why that event cannot be applied: {@link #UNLINKED}, {@link #BAD_MAC}, {@link
 *     #UNKNOWN_KEY} or {@link #UNKEYED_AFTER_KEYED}
 */
public record JournalBreak(
    String lastLinkedHash, String eventType, String eventPrevHash, Instant eventAt, String reason)
    implements CborSerializable {

  /**
   * Its {@code prevHash} is not the hash of the event before it (an event is missing or edited).
   */
  public static final String UNLINKED = "unlinked";

  /** Its MAC does not match its stored bytes: they were changed without the audit key. */
  public static final String BAD_MAC = "bad_mac";

  /** It is sealed with a key id the node's keyring does not hold. */
  public static final String UNKNOWN_KEY = "unknown_key";

  /**
   * It carries no MAC (the form of events stored before sealing) although an event before it did: a
   * sealed journal never goes back to unsealed events, so it was written by someone else.
   */
  public static final String UNKEYED_AFTER_KEYED = "unkeyed_after_keyed";

  public JournalBreak {
    reason = reason == null ? UNLINKED : reason;
  }

  /** A sentence for people: what is wrong with the event. */
  public String explanation() {
    return switch (reason) {
      case BAD_MAC -> "its MAC does not match its stored bytes: they were changed";
      case UNKNOWN_KEY -> "it is sealed with an audit key id this node does not hold";
      case UNKEYED_AFTER_KEYED ->
          "it carries no MAC although the events before it did: it was not written by a node";
      default -> "it does not link to the event before it: events are missing or were edited";
    };
  }
}

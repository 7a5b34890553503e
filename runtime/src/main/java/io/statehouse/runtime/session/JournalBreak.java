package io.statehouse.runtime.session;

import io.statehouse.runtime.CborSerializable;
import java.time.Instant;

/**
 * Where a session's journal stops making sense: an event whose {@code prevHash} is not the hash of
 * the event applied before it. A journal written by Statehouse never has one (every write follows a
 * read of the journal); it comes from a restored backup, a hand edit, or a store that lost
 * acknowledged writes. The session stays readable up to the last linked event and accepts nothing.
 *
 * @param lastLinkedHash the hash of the last event that is part of the chain
 * @param eventType the class name of the first event that does not link to it
 * @param eventPrevHash that event's {@code prevHash}
 * @param eventAt when that event was written
 */
public record JournalBreak(
    String lastLinkedHash, String eventType, String eventPrevHash, Instant eventAt)
    implements CborSerializable {}

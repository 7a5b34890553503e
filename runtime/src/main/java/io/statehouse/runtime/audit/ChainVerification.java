package io.statehouse.runtime.audit;

import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionId;

/**
 * Verifies a journal's hash chain, event by event in sequence order, without holding the journal in
 * memory. Finds the first missing sequence number (a gap: the journal skips numbers) and the first
 * event that cannot be vouched for: it does not link to the one before it (its {@code prevHash} is
 * not that event's hash: something before it was removed, edited or reordered), its MAC does not
 * match its stored bytes (it was rewritten without the audit key, even if every later hash was
 * recomputed), it has no MAC although events before it have one, or the journal opens another
 * session.
 */
public final class ChainVerification {
  /** What made an event the first invalid one; {@link #wire()} is its name in the API. */
  public enum Problem {
    /** Its {@code prevHash} is not the hash of the event before it. */
    BROKEN_LINK("broken_link"),
    /** Its MAC does not match its stored bytes. */
    BAD_MAC("bad_mac"),
    /** It is sealed with a key the node does not hold, so its bytes cannot be vouched for. */
    UNKNOWN_KEY("unknown_key"),
    /** It has no seal although an event before it has one: written without the key. */
    UNKEYED_AFTER_KEYED("unkeyed_after_keyed"),
    /** The journal's first event opens a different session: it was copied from elsewhere. */
    WRONG_SESSION("wrong_session"),
    /** Its stored bytes are not an event at all. */
    UNREADABLE("unreadable");

    private final String wire;

    Problem(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }
  }

  private long events;
  private long unkeyed;
  private boolean keyedSeen;
  private long expectedSeq = 1;
  private String head = AuditChain.GENESIS;
  private Long firstMissingSeq;
  private Long firstInvalidSeq;
  private Problem problem;
  private String reason;

  /**
   * @param headHash the hash of the last event read, to compare with an exported copy
   * @param firstMissingSeq the first sequence number the journal skips, or null
   * @param firstInvalidSeq the first event that cannot be vouched for (see {@link Problem}), or
   *     null
   * @param problem why {@code firstInvalidSeq} is invalid, or null
   * @param reason what was found first, in words, or null when valid
   * @param unkeyedEvents events stored before sealing, checked by their plain hash only
   */
  public record Result(
      boolean valid,
      long events,
      String headHash,
      Long firstMissingSeq,
      Long firstInvalidSeq,
      Problem problem,
      String reason,
      long unkeyedEvents) {}

  /**
   * The next event of session {@code session}'s journal as read: its chain link, its seal, and for
   * the first event, whether it opens this session.
   */
  public void accept(SessionId session, long seq, SessionEvent event) {
    accept(seq, event.meta().prevHash(), AuditChain.hash(event), AuditChain.integrity(event));
    if (seq == 1
        && event instanceof SessionCreated created
        && (!session.id().equals(created.sessionId())
            || created.owner() == null
            || !session.tenant().equals(created.owner().tenant()))) {
      invalid(
          seq,
          Problem.WRONG_SESSION,
          "the journal's first event opens a different session: the journal was copied from"
              + " elsewhere");
    }
  }

  /** The next event as stored: its sequence number, {@code prevHash}, own hash and seal. */
  public void accept(long seq, String prevHash, String hash, Integrity integrity) {
    events++;
    if (seq > expectedSeq && firstMissingSeq == null) {
      firstMissingSeq = expectedSeq;
      note(
          "events "
              + expectedSeq
              + (seq - 1 > expectedSeq ? " to " + (seq - 1) : "")
              + " are missing from the journal");
    }
    switch (integrity) {
      case BAD_MAC ->
          invalid(
              seq,
              Problem.BAD_MAC,
              "event "
                  + seq
                  + " was changed after it was written: its MAC does not match its stored bytes");
      case UNKNOWN_KEY ->
          invalid(
              seq,
              Problem.UNKNOWN_KEY,
              "event "
                  + seq
                  + " is sealed with an audit key this node does not hold, so it cannot be"
                  + " vouched for");
      case UNKEYED -> {
        unkeyed++;
        if (keyedSeen) {
          invalid(
              seq,
              Problem.UNKEYED_AFTER_KEYED,
              "event "
                  + seq
                  + " has no MAC although events before it have one: it was written without the"
                  + " audit key");
        }
      }
      case VALID, UNSTORED -> {}
    }
    keyedSeen |= integrity.keyed();
    if (!head.equals(prevHash)) {
      invalid(
          seq,
          Problem.BROKEN_LINK,
          "event "
              + seq
              + " does not link to the event before it (an event was removed, edited or"
              + " reordered)");
    }
    expectedSeq = seq + 1;
    head = hash;
  }

  /** The journal could not be read past the last accepted event: the next one is unreadable. */
  public void unreadable() {
    invalid(
        expectedSeq,
        Problem.UNREADABLE,
        "the event after sequence number "
            + (expectedSeq - 1)
            + " cannot be read: its stored bytes are not an event");
  }

  private void invalid(long seq, Problem found, String why) {
    if (firstInvalidSeq == null) {
      firstInvalidSeq = seq;
      problem = found;
      note(why);
    }
  }

  private void note(String found) {
    if (reason == null) {
      reason = found;
    }
  }

  public Result result() {
    boolean valid = firstMissingSeq == null && firstInvalidSeq == null;
    return new Result(
        valid, events, head, firstMissingSeq, firstInvalidSeq, problem, reason, unkeyed);
  }
}

package io.statehouse.runtime.audit;

/**
 * Verifies a journal's hash chain, event by event in sequence order, without holding the journal in
 * memory. Finds the first missing sequence number (a gap: the journal skips numbers) and the first
 * event that does not link to the one before it (its {@code prevHash} is not the hash of the event
 * before it: something before it was removed, edited or reordered).
 */
public final class ChainVerification {
  private long events;
  private long expectedSeq = 1;
  private String head = AuditChain.GENESIS;
  private Long firstMissingSeq;
  private Long firstInvalidSeq;
  private String reason;

  /**
   * @param headHash the hash of the last event read, to compare with an exported copy
   * @param firstMissingSeq the first sequence number the journal skips, or null
   * @param firstInvalidSeq the first event that does not link to the one before it, or null
   * @param reason what was found first, or null when valid
   */
  public record Result(
      boolean valid,
      long events,
      String headHash,
      Long firstMissingSeq,
      Long firstInvalidSeq,
      String reason) {}

  /** The next event as stored: its sequence number, its {@code prevHash} and its own hash. */
  public void accept(long seq, String prevHash, String hash) {
    events++;
    if (seq > expectedSeq && firstMissingSeq == null) {
      firstMissingSeq = expectedSeq;
      note(
          "events "
              + expectedSeq
              + (seq - 1 > expectedSeq ? " to " + (seq - 1) : "")
              + " are missing from the journal");
    }
    if (!head.equals(prevHash) && firstInvalidSeq == null) {
      firstInvalidSeq = seq;
      note(
          "event "
              + seq
              + " does not link to the event before it (an event was removed, edited or"
              + " reordered)");
    }
    expectedSeq = seq + 1;
    head = hash;
  }

  private void note(String found) {
    if (reason == null) {
      reason = found;
    }
  }

  public Result result() {
    boolean valid = firstMissingSeq == null && firstInvalidSeq == null;
    return new Result(valid, events, head, firstMissingSeq, firstInvalidSeq, reason);
  }
}

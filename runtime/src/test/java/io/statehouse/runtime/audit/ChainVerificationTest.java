package io.statehouse.runtime.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChainVerificationTest {
  /** seq, prevHash, hash of a linked chain of {@code n} events. */
  private record Stored(long seq, String prevHash, String hash) {}

  private static List<Stored> chain(int n) {
    List<Stored> out = new ArrayList<>();
    String prev = AuditChain.GENESIS;
    for (int i = 1; i <= n; i++) {
      String hash = AuditChain.hash(List.of(i, prev));
      out.add(new Stored(i, prev, hash));
      prev = hash;
    }
    return out;
  }

  private static ChainVerification.Result verify(List<Stored> events) {
    ChainVerification v = new ChainVerification();
    events.forEach(e -> v.accept(e.seq(), e.prevHash(), e.hash()));
    return v.result();
  }

  @Test
  void aLinkedGapFreeJournalIsValidAndNamesItsHead() {
    List<Stored> events = chain(12);
    ChainVerification.Result r = verify(events);

    assertTrue(r.valid());
    assertEquals(12, r.events());
    assertEquals(events.get(11).hash(), r.headHash());
    assertNull(r.firstMissingSeq());
    assertNull(r.reason());
  }

  @Test
  void aGapNamesTheFirstMissingSequenceNumberAndTheFirstEventThatNoLongerLinks() {
    List<Stored> events = new ArrayList<>(chain(12));
    events.subList(5, 9).clear(); // 6..9 gone

    ChainVerification.Result r = verify(events);

    assertFalse(r.valid());
    assertEquals(6L, r.firstMissingSeq());
    assertEquals(10L, r.firstInvalidSeq());
    assertEquals("events 6 to 9 are missing from the journal", r.reason());
  }

  @Test
  void anEditedEventIsCaughtAtTheNextEventsLinkEvenWithoutAGap() {
    List<Stored> events = new ArrayList<>(chain(5));
    Stored third = events.get(2);
    events.set(2, new Stored(3, third.prevHash(), AuditChain.hash(List.of("edited"))));

    ChainVerification.Result r = verify(events);

    assertFalse(r.valid());
    assertNull(r.firstMissingSeq());
    assertEquals(4L, r.firstInvalidSeq());
  }

  @Test
  void aJournalWhoseFirstEventsAreGoneIsInvalidFromSequenceOne() {
    List<Stored> events = new ArrayList<>(chain(4));
    events.remove(0);

    ChainVerification.Result r = verify(events);

    assertEquals(1L, r.firstMissingSeq());
    assertEquals(2L, r.firstInvalidSeq());
  }
}

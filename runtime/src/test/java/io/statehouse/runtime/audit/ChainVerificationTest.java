package io.statehouse.runtime.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.runtime.session.EventMeta;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.testing.Specs;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    events.forEach(e -> v.accept(e.seq(), e.prevHash(), e.hash(), Integrity.VALID));
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

  private static ChainVerification.Result verify(List<Stored> events, Integrity... integrity) {
    ChainVerification v = new ChainVerification();
    for (int i = 0; i < events.size(); i++) {
      Stored e = events.get(i);
      v.accept(e.seq(), e.prevHash(), e.hash(), integrity[i]);
    }
    return v.result();
  }

  @Test
  void anEventWhoseMacFailsIsTheFirstInvalidOneEvenWhenEveryLinkHolds() {
    // the journal rewritten from event 3 on with recomputed plain hashes: links hold, MACs do not
    Integrity v = Integrity.VALID;
    Integrity bad = Integrity.BAD_MAC;
    ChainVerification.Result r = verify(chain(5), v, v, bad, bad, bad);

    assertFalse(r.valid());
    assertNull(r.firstMissingSeq());
    assertEquals(3L, r.firstInvalidSeq());
    assertEquals(ChainVerification.Problem.BAD_MAC, r.problem());
    assertTrue(r.reason().contains("MAC"), r.reason());
  }

  @Test
  void anEventSealedWithAKeyTheNodeDoesNotHoldCannotBeVouchedFor() {
    Integrity v = Integrity.VALID;
    ChainVerification.Result r = verify(chain(3), v, Integrity.UNKNOWN_KEY, v);
    assertEquals(2L, r.firstInvalidSeq());
    assertEquals(ChainVerification.Problem.UNKNOWN_KEY, r.problem());
  }

  @Test
  void oldUnkeyedEventsBeforeSealedOnesAreValidAndCounted() {
    Integrity u = Integrity.UNKEYED;
    Integrity v = Integrity.VALID;
    ChainVerification.Result r = verify(chain(4), u, u, v, v);
    assertTrue(r.valid(), r.reason());
    assertEquals(2, r.unkeyedEvents());
  }

  @Test
  void anUnkeyedEventAfterASealedOneIsADowngradeAndInvalid() {
    // rewriting an event in the old format would skip the MAC check: only possible before sealing
    Integrity u = Integrity.UNKEYED;
    Integrity v = Integrity.VALID;
    ChainVerification.Result r = verify(chain(4), v, v, u, v);
    assertFalse(r.valid());
    assertEquals(3L, r.firstInvalidSeq());
    assertEquals(ChainVerification.Problem.UNKEYED_AFTER_KEYED, r.problem());
  }

  @Test
  void aJournalThatCannotBeReadToItsEndNamesTheEventAfterTheLastReadOne() {
    ChainVerification v = new ChainVerification();
    chain(3).forEach(e -> v.accept(e.seq(), e.prevHash(), e.hash(), Integrity.VALID));
    v.unreadable();
    ChainVerification.Result r = v.result();
    assertFalse(r.valid());
    assertEquals(4L, r.firstInvalidSeq());
    assertEquals(ChainVerification.Problem.UNREADABLE, r.problem());
  }

  @Test
  void aJournalCopiedFromAnotherSessionIsNamedAtItsFirstEvent() {
    SessionId here = new SessionId("acme", "ses_here");
    SessionCreated copied =
        new SessionCreated(
            new EventMeta(Instant.parse("2026-11-22T10:00:00Z"), "user:alice", AuditChain.GENESIS),
            "ses_elsewhere",
            Specs.ALICE,
            Specs.agent(List.of(), 3, false),
            List.of(),
            Map.of());
    ChainVerification v = new ChainVerification();
    v.accept(here, 1, copied);
    ChainVerification.Result r = v.result();
    assertFalse(r.valid());
    assertEquals(1L, r.firstInvalidSeq());
    assertEquals(ChainVerification.Problem.WRONG_SESSION, r.problem());

    ChainVerification own = new ChainVerification();
    own.accept(new SessionId("acme", "ses_elsewhere"), 1, copied);
    assertTrue(own.result().valid(), own.result().reason());
    ChainVerification otherTenant = new ChainVerification();
    otherTenant.accept(new SessionId("globex", "ses_elsewhere"), 1, copied);
    assertFalse(otherTenant.result().valid(), "the same id in another tenant");
  }
}

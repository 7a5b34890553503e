package io.statehouse.runtime.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.runtime.session.EventMeta;
import io.statehouse.runtime.session.JournalBreak;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionEvent.SessionClosed;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionState;
import io.statehouse.runtime.testing.Specs;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A session replaying a journal treats an event whose MAC fails like one that does not link: it
 * becomes broken at that event, readable up to it, and accepts nothing. So does an unsealed event
 * after sealed ones: a journal goes from unsealed to sealed events once, never back.
 */
class SealedReplayTest {
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  private final SessionEventSerializer serializer =
      new SessionEventSerializer(
          AuditKeys.of("k", Map.of("k", "0123456789abcdef0123456789abcdef".getBytes())));

  private SessionEvent roundTrip(SessionEvent e, boolean tamper) throws Exception {
    byte[] stored = serializer.toBinary(e);
    if (tamper) {
      String text = new String(stored, StandardCharsets.ISO_8859_1);
      stored =
          text.replace("no longer needed", "no longer wanted")
              .getBytes(StandardCharsets.ISO_8859_1);
    }
    return (SessionEvent) serializer.fromBinary(stored, serializer.manifest(e));
  }

  private List<SessionEvent> journal() {
    SessionState s = SessionState.empty();
    SessionCreated created =
        new SessionCreated(
            new EventMeta(T0, "user:alice", s.auditHead()),
            "ses_1",
            Specs.ALICE,
            Specs.agent(List.of(), 3, false),
            List.of(),
            Map.of());
    s = s.apply(created);
    SessionClosed closed =
        new SessionClosed(
            new EventMeta(T0.plusSeconds(1), "user:alice", s.auditHead()), "no longer needed");
    return List.of(created, closed);
  }

  @Test
  void aJournalWithValidMacsReplaysWhole() throws Exception {
    SessionState s = SessionState.empty();
    for (SessionEvent e : journal()) {
      s = s.apply(roundTrip(e, false));
    }
    assertFalse(s.broken());
    assertTrue(s.closed());
  }

  @Test
  void anEventWhoseMacFailsBreaksTheSessionThereEvenThoughItLinks() throws Exception {
    List<SessionEvent> events = journal();
    SessionEvent created = roundTrip(events.get(0), false);
    SessionEvent closed = roundTrip(events.get(1), true);
    assertEquals(Integrity.BAD_MAC, AuditChain.integrity(closed));
    assertEquals(AuditChain.hash(created), closed.meta().prevHash(), "the link itself holds");

    SessionState s = SessionState.empty().apply(created).apply(closed);

    assertTrue(s.broken());
    assertFalse(s.closed(), "nothing of the forged event is applied");
    assertEquals("SessionClosed", s.journalBreak().eventType());
    assertEquals(AuditChain.hash(created), s.auditHead());
    assertTrue(
        Arrays.asList(SessionEvent.class.getPermittedSubclasses()).contains(SessionClosed.class));
  }

  @Test
  void anUnsealedEventAfterSealedOnesBreaksTheSessionThoughItLinks() throws Exception {
    List<SessionEvent> events = journal();
    SessionEvent created = roundTrip(events.get(0), false);
    // the form of events stored before sealing: written by whoever can write to Cassandra
    SessionEvent closed = events.get(1);
    assertEquals(Integrity.UNKEYED, AuditChain.integrity(closed));
    assertEquals(AuditChain.hash(created), closed.meta().prevHash(), "the link itself holds");

    SessionState s = SessionState.empty().apply(created).apply(closed);

    assertTrue(s.broken());
    assertFalse(s.closed(), "nothing of the unsealed event is applied");
    assertEquals(JournalBreak.UNKEYED_AFTER_KEYED, s.journalBreak().reason());
  }

  @Test
  void sealedEventsAfterUnsealedOnesAreAnUpgradeAndApply() throws Exception {
    List<SessionEvent> events = journal();
    SessionEvent created = events.get(0);
    SessionEvent closed = roundTrip(events.get(1), false);

    SessionState s = SessionState.empty().apply(created);
    assertFalse(s.keyed());
    s = s.apply(closed);

    assertFalse(s.broken());
    assertTrue(s.closed());
    assertTrue(s.keyed());
    assertEquals(2, s.events());
  }
}

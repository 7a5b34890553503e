package io.statehouse.runtime.session;

import static io.statehouse.runtime.testing.Specs.ALICE;
import static io.statehouse.runtime.testing.Specs.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.runtime.audit.AuditChain;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.SessionEvent.ModelCallStarted;
import io.statehouse.runtime.session.SessionEvent.ModelReplied;
import io.statehouse.runtime.session.SessionEvent.SessionClosed;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionEvent.ToolCallFailed;
import io.statehouse.runtime.session.SessionEvent.ToolCallOutcomeUnknown;
import io.statehouse.runtime.session.SessionEvent.ToolCallStarted;
import io.statehouse.runtime.session.SessionEvent.ToolCallSucceeded;
import io.statehouse.runtime.session.SessionEvent.TurnCompleted;
import io.statehouse.runtime.session.SessionEvent.TurnFailed;
import io.statehouse.runtime.session.SessionEvent.UserMessageAdded;
import io.statehouse.runtime.testing.Specs;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class SessionStateTest {
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

  /** Applies events built against the current head, as the session does. */
  private static final class Journal {
    SessionState state = SessionState.empty();
    int n;
    // statehouse.session.idempotency-key-turns, as the session passes it to the fold
    int turnsKept = SessionState.RECENT_TURNS_KEPT;
    // statehouse.session.context-messages
    int contextMessages = SessionState.DEFAULT_CONTEXT_MESSAGES;

    Journal add(Function<EventMeta, SessionEvent> event) {
      state =
          state.apply(
              event.apply(new EventMeta(T0.plusSeconds(n++), "runtime", state.auditHead())),
              new SessionState.Retention(turnsKept, contextMessages));
      return this;
    }

    /** A turn started by {@code key} with {@code message}, finished at once. */
    Journal turn(String turnId, String key, String message) {
      return add(m -> new UserMessageAdded(m, turnId, message, key, null))
          .add(m -> new TurnCompleted(m, turnId, "done", Usage.ZERO));
    }
  }

  private static Journal opened() {
    return new Journal()
        .add(
            m ->
                new SessionCreated(
                    m,
                    "ses_1",
                    ALICE,
                    Specs.agent(List.of("search", "pay"), 5, false),
                    List.of(Specs.tool("search", true), Specs.tool("pay", false)),
                    Map.of("channel", "test")));
  }

  private static Journal withToolStep(Journal j) {
    return j.add(m -> new UserMessageAdded(m, "t1", "find and pay", "k1", null))
        .add(m -> new ModelCallStarted(m, "t1", 1))
        .add(
            m ->
                new ModelReplied(
                    m,
                    "t1",
                    1,
                    null,
                    List.of(
                        new ToolUse("c1", "search", json("{\"q\":\"a\"}")),
                        new ToolUse("c2", "pay", json("{\"q\":\"b\"}"))),
                    "tool_use",
                    new Usage(10, 2, BigDecimal.ZERO)))
        .add(
            m -> new ToolCallStarted(m, "t1", "c1", "search", json("{\"q\":\"a\"}"), "ses_1/c1", 1))
        .add(m -> new ToolCallStarted(m, "t1", "c2", "pay", json("{\"q\":\"b\"}"), "ses_1/c2", 1));
  }

  /** A turn of one tool call: 4 messages (user, tool use, tool result, answer). */
  private static Journal toolTurn(Journal j, String turnId) {
    String call = turnId + "-c";
    return j.add(m -> new UserMessageAdded(m, turnId, "question " + turnId, null, null))
        .add(m -> new ModelCallStarted(m, turnId, 1))
        .add(
            m ->
                new ModelReplied(
                    m,
                    turnId,
                    1,
                    null,
                    List.of(new ToolUse(call, "search", json("{\"q\":\"a\"}"))),
                    "tool_use",
                    Usage.ZERO))
        .add(
            m ->
                new ToolCallStarted(
                    m, turnId, call, "search", json("{\"q\":\"a\"}"), "ses_1/" + call, 1))
        .add(m -> new ToolCallSucceeded(m, turnId, call, "found", 1, 5))
        .add(m -> new ModelCallStarted(m, turnId, 2))
        .add(
            m ->
                new ModelReplied(
                    m, turnId, 2, "answer " + turnId, List.of(), "end_turn", Usage.ZERO))
        .add(m -> new TurnCompleted(m, turnId, "answer " + turnId, Usage.ZERO));
  }

  @Test
  void whenATurnStartsTheOldestWholeTurnsLeaveAWorkingContextOverItsBound() {
    Journal j = opened();
    j.contextMessages = 5;
    toolTurn(toolTurn(j, "t1"), "t2");
    assertEquals(8, j.state.messages().size(), "within a turn nothing is dropped");
    assertEquals(0, j.state.contextDropped());

    j.add(m -> new UserMessageAdded(m, "t3", "question t3", null, null));

    // 9 messages with t3's: t1's 4 leave, t2's and t3's stay (5, the bound)
    List<ChatMessage> context = j.state.messages();
    assertEquals(5, context.size());
    assertEquals("question t2", context.get(0).text(), "the context starts with a whole turn");
    assertEquals("question t3", context.get(4).text());
    assertEquals(4, j.state.contextDropped(), "the dropped messages are counted");
    assertEquals(2, j.state.toolUses(), "tool uses are counted for the whole session");
  }

  @Test
  void theTurnThatStartsIsNeverCutEvenWhenItAloneIsOverTheBound() {
    Journal j = opened();
    j.contextMessages = 2;
    toolTurn(j, "t1");
    assertEquals(4, j.state.messages().size(), "a running or ended turn is not cut");

    j.add(m -> new UserMessageAdded(m, "t2", "question t2", null, null));

    assertEquals(
        List.of("question t2"), j.state.messages().stream().map(ChatMessage::text).toList());
    assertEquals(4, j.state.contextDropped());
  }

  @Test
  void aToolUseIsNeverPartedFromItsResultInTheContext() {
    Journal j = opened();
    j.contextMessages = 7;
    for (int i = 1; i <= 12; i++) {
      toolTurn(j, "t" + i);
      List<ChatMessage> context = j.state.messages();
      assertEquals(ChatMessage.Role.USER, context.get(0).role(), "starts with a turn: " + i);
      for (int k = 0; k < context.size(); k++) {
        if (context.get(k).role() == ChatMessage.Role.TOOL) {
          assertEquals(
              context.get(k - 1).toolUses().get(0).id(),
              context.get(k).toolResults().get(0).toolUseId(),
              "a result follows its use");
        }
      }
      assertEquals(4L * i, j.state.contextDropped() + context.size(), "nothing lost unaccounted");
    }
    assertEquals(12, j.state.toolUses());
  }

  @Test
  void aStateWithoutAToolUseCountCountsTheToolUsesOfItsMessages() {
    // a snapshot taken before the count was kept held the whole conversation
    SessionState old = toolTurn(toolTurn(opened(), "t1"), "t2").state;
    SessionState fromOldSnapshot =
        new SessionState(
            old.sessionId(),
            old.owner(),
            old.agent(),
            old.tools(),
            old.metadata(),
            old.createdAt(),
            old.updatedAt(),
            old.closed(),
            old.messages(),
            old.turn(),
            old.recentTurns(),
            old.usage(),
            old.turnsStarted(),
            old.auditHead(),
            old.journalBreak(),
            old.decided(),
            old.keyed(),
            old.events(),
            old.usageByDay(),
            old.queued(),
            0,
            null);
    assertEquals(2, fromOldSnapshot.toolUses());
  }

  @Test
  void aMultiStepTurnBuildsTheConversationInOrderAndEndsIdle() {
    Journal j = withToolStep(opened());
    assertEquals(SessionStatus.RUNNING, j.state.status());
    // the second result arrives first; results still join the conversation in request order
    j.add(m -> new ToolCallSucceeded(m, "t1", "c2", "paid", 1, 5));
    assertEquals(2, j.state.messages().size(), "no tool message until every call is resolved");
    j.add(m -> new ToolCallSucceeded(m, "t1", "c1", "found", 1, 5))
        .add(m -> new ModelCallStarted(m, "t1", 2))
        .add(
            m ->
                new ModelReplied(
                    m, "t1", 2, "done", List.of(), "end_turn", new Usage(20, 1, BigDecimal.ZERO)))
        .add(m -> new TurnCompleted(m, "t1", "done", new Usage(30, 3, BigDecimal.ZERO)));

    List<ChatMessage> messages = j.state.messages();
    assertEquals(
        List.of(
            ChatMessage.Role.USER,
            ChatMessage.Role.ASSISTANT,
            ChatMessage.Role.TOOL,
            ChatMessage.Role.ASSISTANT),
        messages.stream().map(ChatMessage::role).toList());
    assertEquals(
        List.of("c1", "c2"),
        messages.get(2).toolResults().stream().map(r -> r.toolUseId()).toList());
    assertEquals("found", messages.get(2).toolResults().get(0).content());
    assertEquals(SessionStatus.IDLE, j.state.status());
    assertNull(j.state.turn());
    assertEquals(new Usage(30, 3, BigDecimal.ZERO), j.state.usage());
    TurnRecord record = j.state.finishedTurn("t1").orElseThrow();
    assertTrue(record.completed());
    assertEquals("done", record.output());
  }

  @Test
  void anUnknownToolOutcomeMakesTheSessionNeedADecision() {
    Journal j = withToolStep(opened());
    j.add(m -> new ToolCallSucceeded(m, "t1", "c1", "found", 2, 5))
        .add(
            m ->
                new ToolCallOutcomeUnknown(
                    m, "t1", "c2", "pay", json("{\"q\":\"b\"}"), "node stopped"));

    assertEquals(SessionStatus.NEEDS_DECISION, j.state.status());
    assertFalse(j.state.hasWorkInFlight(), "nothing to drive: a human must decide");
    assertEquals(2, j.state.messages().size(), "the model is not told anything yet");
  }

  @Test
  void workIsInFlightWhileAModelCallOrToolCallIsOutstanding() {
    Journal j = opened();
    assertFalse(j.state.hasWorkInFlight());
    j.add(m -> new UserMessageAdded(m, "t1", "hi", null, null))
        .add(m -> new ModelCallStarted(m, "t1", 1));
    assertTrue(j.state.hasWorkInFlight(), "model call in flight");
    Journal tools = withToolStep(opened());
    assertTrue(tools.state.hasWorkInFlight(), "tool calls in flight");
    tools.add(m -> new ToolCallFailed(m, "t1", "c1", "http_500", "boom", 3));
    assertTrue(tools.state.hasWorkInFlight(), "one call still running");
  }

  @Test
  void aFailedTurnAnswersOpenToolUsesSoTheNextTurnStartsWellFormed() {
    Journal j = withToolStep(opened());
    j.add(m -> new ToolCallSucceeded(m, "t1", "c1", "found", 1, 5))
        .add(m -> new TurnFailed(m, "t1", "session_closed", "closed by alice"));

    ChatMessage last = j.state.messages().get(j.state.messages().size() - 1);
    assertEquals(ChatMessage.Role.TOOL, last.role());
    assertEquals(2, last.toolResults().size());
    assertFalse(last.toolResults().get(0).error());
    assertTrue(last.toolResults().get(1).error());
    assertEquals(SessionStatus.IDLE, j.state.status());
    assertFalse(j.state.finishedTurn("t1").orElseThrow().completed());
  }

  @Test
  void anIdempotencyKeyFindsTheTurnItStartedWhileRunningAndAfterwards() {
    Journal j = opened().add(m -> new UserMessageAdded(m, "t1", "hi", "key-1", null));
    assertEquals("t1", j.state.turnIdForKey("key-1").orElseThrow());
    j.add(m -> new ModelCallStarted(m, "t1", 1))
        .add(m -> new ModelReplied(m, "t1", 1, "hello", List.of(), "end_turn", Usage.ZERO))
        .add(m -> new TurnCompleted(m, "t1", "hello", Usage.ZERO));
    assertEquals("t1", j.state.turnIdForKey("key-1").orElseThrow());
    assertTrue(j.state.turnIdForKey("key-2").isEmpty());
    assertTrue(j.state.turnIdForKey(null).isEmpty());
  }

  @Test
  void onlyTheMostRecentTurnsAreRemembered() {
    Journal j = opened();
    int turns = SessionState.RECENT_TURNS_KEPT + 5;
    for (int i = 0; i < turns; i++) {
      String turnId = "t" + i;
      j.add(m -> new UserMessageAdded(m, turnId, "hi", "k-" + turnId, null))
          .add(m -> new TurnFailed(m, turnId, "max_steps_exceeded", "limit"));
    }
    assertEquals(SessionState.RECENT_TURNS_KEPT, j.state.recentTurns().size());
    assertTrue(j.state.finishedTurn("t4").isEmpty(), "oldest turns are forgotten");
    assertTrue(j.state.finishedTurn("t5").isPresent());
    assertEquals(turns, j.state.turnsStarted());
  }

  @Test
  void aKeyIsForgottenOnceItsTurnIsNoLongerAmongTheLastConfiguredNumberOfFinishedTurns() {
    Journal j = opened();
    j.turnsKept = 2;
    j.turn("t1", "k1", "one").turn("t2", "k2", "two");
    Instant longAgo = T0.minusSeconds(3600);
    assertEquals("t1", j.state.keyUse("k1", longAgo, 2).orElseThrow().turnId());

    j.turn("t3", "k3", "three");

    assertEquals(2, j.state.recentTurns().size(), "the fold keeps only turnsKept turns");
    assertTrue(j.state.keyUse("k1", longAgo, 2).isEmpty(), "t1 is the third-newest turn");
    assertEquals("t2", j.state.keyUse("k2", longAgo, 2).orElseThrow().turnId());
  }

  @Test
  void aKeyNamesItsTurnOnlyUntilTheWindowAfterTheTurnEnded() {
    Journal j = opened().turn("t1", "k1", "refund order 1");
    Instant ended = j.state.finishedTurn("t1").orElseThrow().endedAt();

    SessionState.KeyUse inside = j.state.keyUse("k1", ended, 100).orElseThrow();
    assertEquals("t1", inside.turnId(), "a turn that ended exactly at the window's start counts");
    assertTrue(inside.sameRequest("refund order 1"));
    assertFalse(inside.sameRequest("refund order 2"), "another message is a reused key");
    assertTrue(
        j.state.keyUse("k1", ended.plusMillis(1), 100).isEmpty(),
        "a turn that ended before the window's start is forgotten: the key starts a new turn");
  }

  @Test
  void aStateFoldedUnderALargerTurnCountObeysTheSmallerOneAtLookup() {
    // a snapshot taken before the setting was lowered still holds the older turns
    Journal j = opened();
    j.turn("t1", "k1", "one").turn("t2", "k2", "two").turn("t3", "k3", "three");
    assertEquals(3, j.state.recentTurns().size());

    assertTrue(j.state.keyUse("k1", Instant.MIN, 2).isEmpty());
    assertEquals("t2", j.state.keyUse("k2", Instant.MIN, 2).orElseThrow().turnId());

    // and the next finished turn trims the state to the setting in one step
    j.turnsKept = 1;
    j.turn("t4", "k4", "four");
    assertEquals(List.of("t4"), j.state.recentTurns().stream().map(TurnRecord::turnId).toList());
  }

  @Test
  void theRunningTurnsKeyIsAlwaysRememberedWhateverTheWindow() {
    Journal j = opened().add(m -> new UserMessageAdded(m, "t1", "hi", "k1", null));
    assertEquals("t1", j.state.keyUse("k1", Instant.MAX, 1).orElseThrow().turnId());
  }

  @Test
  void theAuditHeadIsTheHashOfTheLastEventAndEachEventPointsAtItsPredecessor() {
    SessionState s = SessionState.empty();
    assertEquals(AuditChain.GENESIS, s.auditHead());
    SessionEvent first =
        new SessionCreated(
            new EventMeta(T0, "user:alice", s.auditHead()),
            "ses_1",
            ALICE,
            Specs.agent(List.of(), 3, false),
            List.of(),
            Map.of());
    s = s.apply(first);
    assertEquals(AuditChain.hash(first), s.auditHead());
    SessionEvent second =
        new UserMessageAdded(new EventMeta(T0, "user:alice", s.auditHead()), "t1", "x", null, null);
    SessionState after = s.apply(second);
    assertEquals(AuditChain.hash(second), after.auditHead());
    assertNotEquals(s.auditHead(), after.auditHead());
  }

  @Test
  void aClosedSessionHasNoTurnAndSaysClosed() {
    Journal j = opened().add(m -> new SessionClosed(m, "done"));
    assertEquals(SessionStatus.CLOSED, j.state.status());
    assertTrue(j.state.closed());
  }

  @Test
  void anEventThatDoesNotLinkToTheOneBeforeBreaksTheSessionWhichStaysReadableUpToThere() {
    Journal j = withToolStep(opened());
    SessionState beforeGap = j.state;
    // the next two events were lost: this one links to a hash the session never saw
    SessionEvent afterGap =
        new ToolCallSucceeded(
            new EventMeta(T0.plusSeconds(99), "tool:pay", "f".repeat(64)), "t1", "c2", "{}", 1, 5);

    SessionState broken = beforeGap.apply(afterGap);

    assertEquals(SessionStatus.BROKEN, broken.status());
    assertEquals(beforeGap.auditHead(), broken.journalBreak().lastLinkedHash());
    assertEquals("ToolCallSucceeded", broken.journalBreak().eventType());
    assertEquals(beforeGap.messages(), broken.messages(), "readable up to the last linked event");
    assertFalse(broken.hasWorkInFlight(), "a broken session drives nothing");
    SessionEvent later =
        new TurnCompleted(
            new EventMeta(T0.plusSeconds(100), "runtime", AuditChain.hash(afterGap)),
            "t1",
            "done",
            Usage.ZERO);
    assertEquals(broken, broken.apply(later), "nothing after the break is applied");
  }

  @Test
  void aSoundJournalNeverBreaks() {
    Journal j = withToolStep(opened());
    assertNull(j.state.journalBreak());
    assertEquals(SessionStatus.RUNNING, j.state.status());
  }
}

package io.statehouse.runtime.session;

import static io.statehouse.runtime.testing.Specs.ALICE;
import static io.statehouse.runtime.testing.Specs.call;
import static io.statehouse.runtime.testing.Specs.calls;
import static io.statehouse.runtime.testing.Specs.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.Multitask;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.ModelClient;
import io.statehouse.runtime.model.ModelClients;
import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.model.scripted.ScriptedModelClient;
import io.statehouse.runtime.policy.guardrail.GuardrailSpec;
import io.statehouse.runtime.policy.guardrail.RedactRule;
import io.statehouse.runtime.policy.guardrail.Stage;
import io.statehouse.runtime.session.AgentSession.AwaitTurn;
import io.statehouse.runtime.session.AgentSession.Cancel;
import io.statehouse.runtime.session.AgentSession.Close;
import io.statehouse.runtime.session.AgentSession.Command;
import io.statehouse.runtime.session.AgentSession.Create;
import io.statehouse.runtime.session.AgentSession.Get;
import io.statehouse.runtime.session.AgentSession.SendMessage;
import io.statehouse.runtime.session.AgentSession.TurnAccepted;
import io.statehouse.runtime.session.AgentSession.TurnOutcome;
import io.statehouse.runtime.session.AgentSession.Watch;
import io.statehouse.runtime.session.AgentSession.Watching;
import io.statehouse.runtime.stream.FeedItem;
import io.statehouse.runtime.testing.RecordingDirectory;
import io.statehouse.runtime.testing.ScriptedTools;
import io.statehouse.runtime.testing.Specs;
import io.statehouse.runtime.tool.ArgumentValidator;
import io.statehouse.runtime.tool.ToolResult;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A session with live clients and busy senders: cancelling a turn, messages sent while a turn runs
 * (reject, enqueue, interrupt), and what watching hubs receive.
 */
class LiveSessionTest {
  private static ActorTestKit testKit;

  private final ScriptedTools tools = new ScriptedTools();
  private final RecordingDirectory directory = new RecordingDirectory();
  private final SessionId id = new SessionId("acme", "ses_live");
  // model calls the test answers by hand, oldest first
  private final List<HeldCall> held = new CopyOnWriteArrayList<>();
  private boolean holdModel;
  private EventSourcedBehaviorTestKit<Command, SessionEvent, SessionState> session;

  /** A model call the test completes, with the sink its deltas go to. */
  private record HeldCall(CompletableFuture<ModelReply> reply, Consumer<ModelDelta> sink) {}

  @BeforeAll
  static void start() {
    testKit =
        ActorTestKit.create(
            EventSourcedBehaviorTestKit.config()
                .withFallback(ConfigFactory.parseString("pekko.actor.serialize-messages = on"))
                .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @AfterEach
  void clear() {
    if (session != null) {
      session.clear();
    }
  }

  private void open(AgentSpec agent, ToolSpec... toolSpecs) {
    ScriptedModelClient scripted = new ScriptedModelClient();
    ModelClient model =
        (request, sink) -> {
          if (!holdModel) {
            return scripted.converse(request, sink);
          }
          HeldCall call = new HeldCall(new CompletableFuture<>(), sink);
          held.add(call);
          return call.reply();
        };
    SessionDeps deps =
        new SessionDeps(
            new ModelClients(Map.of("scripted", model)),
            tools,
            new ArgumentValidator(),
            directory,
            Specs.sessionSettings(),
            Clock.systemUTC());
    session =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            AgentSession.create(id, deps, null),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
    assertTrue(
        session
            .<StatusReply<SessionState>>runCommand(
                r -> new Create(ALICE, agent, List.of(toolSpecs), Map.of(), r))
            .reply()
            .isSuccess());
  }

  private StatusReply<TurnAccepted> sendAs(Principal p, String content, String key) {
    return session
        .<StatusReply<TurnAccepted>>runCommand(r -> new SendMessage(p, content, key, r))
        .reply();
  }

  private String send(String content) {
    return sendAs(ALICE, content, null).getValue().turnId();
  }

  private StatusReply<TurnOutcome> cancel(Principal p) {
    return session.<StatusReply<TurnOutcome>>runCommand(r -> new Cancel(p, r)).reply();
  }

  private TurnOutcome await(String turnId) {
    TestProbe<StatusReply<TurnOutcome>> probe = testKit.createTestProbe();
    session.runCommand(new AwaitTurn(turnId, probe.getRef()));
    return probe.receiveMessage(Duration.ofSeconds(5)).getValue();
  }

  private SessionState state() {
    return session.<StatusReply<SessionState>>runCommand(Get::new).reply().getValue();
  }

  private List<String> eventTypes() {
    return session.persistenceTestKit().persistedInStorage(id.persistenceId().id()).stream()
        .map(e -> e.getClass().getSimpleName())
        .toList();
  }

  private static AgentSpec agent(Multitask mode, List<String> toolNames, String... answers) {
    List<io.statehouse.runtime.catalog.ScriptStep> steps = new ArrayList<>();
    for (String a : answers) {
      steps.add(text(a));
    }
    return Specs.agent(
            toolNames, 8, true, steps.toArray(io.statehouse.runtime.catalog.ScriptStep[]::new))
        .withMultitask(mode);
  }

  private static ModelReply answer(String text) {
    return new ModelReply(text, List.of(), "end_turn", new Usage(1, 1, java.math.BigDecimal.ZERO));
  }

  private void awaitHeld(int n) {
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (held.size() < n && System.nanoTime() < until) {
      Thread.onSpinWait();
    }
    assertEquals(n, held.size(), "model calls made");
  }

  // ---- cancel -----------------------------------------------------------------------------------

  @Test
  void cancellingAbandonsTheModelCallInFlightAndTheSessionTakesTheNextMessage() {
    holdModel = true;
    open(agent(Multitask.REJECT, List.of(), "unused"));
    String turn = send("think hard");
    awaitHeld(1);

    TurnOutcome cancelled = cancel(ALICE).getValue();

    assertEquals(turn, cancelled.turnId());
    assertEquals(TurnStatus.CANCELLED, cancelled.status());
    assertEquals("cancelled", cancelled.errorCode());
    assertTrue(held.get(0).reply().isCancelled(), "the provider's call was cancelled");
    assertEquals(SessionStatus.IDLE, state().status());
    assertEquals(
        List.of("SessionCreated", "UserMessageAdded", "ModelCallStarted", "TurnCancelled"),
        eventTypes());
    // a late answer of the abandoned call changes nothing
    held.get(0).reply().complete(answer("too late"));

    String next = send("something else");
    awaitHeld(2);
    held.get(1).reply().complete(answer("done"));
    assertEquals(TurnStatus.COMPLETED, await(next).status());
    assertEquals("done", await(next).output());
  }

  @Test
  void cancellingWhileANonIdempotentToolRunsRecordsItsOutcomeAsUnknownAndNeverRunsItAgain() {
    tools.hold("refund").hold("lookup");
    open(
        Specs.agent(
                List.of("refund", "lookup"),
                8,
                false,
                calls(call("refund", "{\"q\":\"r1\"}"), call("lookup", "{\"q\":\"l1\"}")),
                text("never reached"))
            .withMultitask(Multitask.REJECT),
        Specs.tool("refund", false),
        Specs.tool("lookup", true));
    String turn = send("refund it");
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (tools.invocations().size() < 2 && System.nanoTime() < until) {
      Thread.onSpinWait();
    }

    TurnOutcome cancelled = cancel(ALICE).getValue();
    tools.release("refund", new ToolResult.Success("refunded"));
    tools.release("lookup", new ToolResult.Success("found"));

    assertEquals(TurnStatus.CANCELLED, cancelled.status());
    List<String> types = eventTypes();
    assertEquals(
        1, types.stream().filter("ToolCallOutcomeUnknown"::equals).count(), types.toString());
    assertEquals("TurnCancelled", types.get(types.size() - 1));
    SessionEvent.ToolCallOutcomeUnknown unknown =
        session.persistenceTestKit().persistedInStorage(id.persistenceId().id()).stream()
            .filter(SessionEvent.ToolCallOutcomeUnknown.class::isInstance)
            .map(SessionEvent.ToolCallOutcomeUnknown.class::cast)
            .findFirst()
            .orElseThrow();
    assertEquals("refund", unknown.tool());
    assertEquals(1, tools.invocationsOf("refund").size(), "the refund ran once");
    // both open tool uses are answered, so the next turn's conversation is one models accept
    List<ChatMessage> messages = state().messages();
    ChatMessage last = messages.get(messages.size() - 1);
    assertEquals(2, last.toolResults().size());
    assertTrue(
        last.toolResults().stream().allMatch(r -> r.error() && r.content().contains("cancelled")));
  }

  @Test
  void cancellingAnIdleSessionIsRefusedAndSoIsAnotherUsersCancel() {
    holdModel = true;
    open(agent(Multitask.REJECT, List.of(), "unused"));

    assertEquals("no_running_turn", ((Rejection) cancel(ALICE).getError()).code());

    send("go");
    awaitHeld(1);
    Principal bob = new Principal("acme", "bob", List.of("developer"));
    assertEquals("forbidden", ((Rejection) cancel(bob).getError()).code());
    assertEquals(SessionStatus.RUNNING, state().status());
  }

  @Test
  void aCancelForAnotherAgentIsRefusedAndOneForThisAgentCancels() {
    holdModel = true;
    AgentSpec agent = agent(Multitask.REJECT, List.of(), "unused");
    open(agent);
    Principal operator = new Principal("acme", "olivia", List.of("operator"));
    assertEquals(
        "other_agent",
        ((Rejection)
                session
                    .<StatusReply<TurnOutcome>>runCommand(
                        r -> new Cancel(operator, "another-agent", r))
                    .reply()
                    .getError())
            .code(),
        "refused when idle too");

    send("go");
    awaitHeld(1);
    StatusReply<TurnOutcome> other =
        session
            .<StatusReply<TurnOutcome>>runCommand(r -> new Cancel(operator, "another-agent", r))
            .reply();
    assertEquals("other_agent", ((Rejection) other.getError()).code());
    assertEquals(SessionStatus.RUNNING, state().status(), "the turn goes on");

    StatusReply<TurnOutcome> mine =
        session
            .<StatusReply<TurnOutcome>>runCommand(r -> new Cancel(operator, agent.name(), r))
            .reply();
    assertTrue(mine.isSuccess(), () -> String.valueOf(mine.getError()));
    assertEquals(TurnStatus.CANCELLED, mine.getValue().status());
  }

  // ---- busy sessions ----------------------------------------------------------------------------

  @Test
  void aRejectingAgentRefusesAMessageDuringATurnWithTheRunningTurnsId() {
    holdModel = true;
    open(agent(Multitask.REJECT, List.of(), "unused"));
    String running = send("first");
    awaitHeld(1);

    Rejection why = (Rejection) sendAs(ALICE, "second", null).getError();

    assertEquals("turn_in_progress", why.code());
    assertEquals(running, why.turnId());
  }

  @Test
  void anEnqueuingAgentRunsQueuedMessagesInOrderAfterTheTurnEachUnderItsOwnId() {
    holdModel = true;
    open(agent(Multitask.ENQUEUE, List.of(), "unused"));
    String first = send("first");
    awaitHeld(1);

    TurnAccepted second = sendAs(ALICE, "second", "key-2").getValue();
    TurnAccepted third = sendAs(ALICE, "third", null).getValue();
    TurnAccepted secondAgain = sendAs(ALICE, "second", "key-2").getValue();

    assertTrue(second.queued());
    assertTrue(third.queued());
    assertNotEquals(second.turnId(), third.turnId());
    assertEquals(second.turnId(), secondAgain.turnId(), "a repeated key names the queued turn");
    assertTrue(secondAgain.replayed());
    assertEquals(TurnStatus.QUEUED, Turns.outcomeOf(state(), third.turnId()).status());
    assertEquals(2, state().queued().size());

    held.get(0).reply().complete(answer("one"));
    awaitHeld(2);
    assertEquals("one", await(first).output());
    held.get(1).reply().complete(answer("two"));
    awaitHeld(3);
    held.get(2).reply().complete(answer("three"));

    assertEquals("two", await(second.turnId()).output());
    assertEquals("three", await(third.turnId()).output());
    List<ChatMessage> users =
        state().messages().stream().filter(m -> m.role() == ChatMessage.Role.USER).toList();
    assertEquals(
        List.of("first", "second", "third"), users.stream().map(ChatMessage::text).toList());
    assertEquals(2, eventTypes().stream().filter("QueuedTurnStarted"::equals).count());
  }

  @Test
  void queuedMessagesSurviveARestartAndRunAfterTheResumedTurn() {
    holdModel = true;
    open(agent(Multitask.ENQUEUE, List.of(), "unused"));
    send("first");
    awaitHeld(1);
    String queued = sendAs(ALICE, "second", null).getValue().turnId();

    session.restart();
    // the restarted session calls the model again for the turn in flight
    awaitHeld(2);
    assertEquals(1, state().queued().size());
    held.get(1).reply().complete(answer("one"));
    awaitHeld(3);
    held.get(2).reply().complete(answer("two"));

    assertEquals("two", await(queued).output());
    assertTrue(state().queued().isEmpty());
  }

  @Test
  void aFullQueueRefusesTheNextMessage() {
    holdModel = true;
    open(agent(Multitask.ENQUEUE, List.of(), "unused"));
    send("first");
    awaitHeld(1);
    for (int i = 0; i < SessionSettings.DEFAULT_MAX_QUEUED_MESSAGES; i++) {
      assertTrue(sendAs(ALICE, "m" + i, null).isSuccess());
    }

    Rejection why = (Rejection) sendAs(ALICE, "one too many", null).getError();

    assertEquals("queue_full", why.code());
    assertEquals(SessionSettings.DEFAULT_MAX_QUEUED_MESSAGES, state().queued().size());
  }

  @Test
  void closingASessionEndsItsQueuedTurnsAsFailed() {
    holdModel = true;
    open(agent(Multitask.ENQUEUE, List.of(), "unused"));
    send("first");
    awaitHeld(1);
    String queued = sendAs(ALICE, "second", null).getValue().turnId();

    session.<StatusReply<SessionState>>runCommand(r -> new Close(ALICE, "done", r));

    TurnOutcome outcome = await(queued);
    assertEquals(TurnStatus.FAILED, outcome.status());
    assertEquals("session_closed", outcome.errorCode());
    assertFalse(eventTypes().contains("QueuedTurnStarted"), eventTypes().toString());
  }

  @Test
  void anInterruptingAgentCancelsTheRunningTurnAndStartsTheNewOneInOneWrite() {
    holdModel = true;
    open(agent(Multitask.INTERRUPT, List.of(), "unused"));
    String first = send("first");
    awaitHeld(1);

    TurnAccepted second = sendAs(ALICE, "actually, this", null).getValue();

    assertFalse(second.queued());
    assertTrue(held.get(0).reply().isCancelled());
    awaitHeld(2);
    held.get(1).reply().complete(answer("new answer"));
    assertEquals(TurnStatus.CANCELLED, await(first).status());
    assertEquals("new answer", await(second.turnId()).output());
    List<String> types = eventTypes();
    int cancelled = types.indexOf("TurnCancelled");
    assertEquals("UserMessageAdded", types.get(cancelled + 1));
  }

  // ---- watchers ---------------------------------------------------------------------------------

  @Test
  void aWatchingHubGetsEachPersistedBatchWithItsSequenceNumbersAndTheDeltas() {
    holdModel = true;
    open(agent(Multitask.REJECT, List.of(), "unused"));
    TestProbe<FeedItem> hub = testKit.createTestProbe();
    Watching watching =
        session
            .<StatusReply<Watching>>runCommand(r -> new Watch(hub.getRef(), r))
            .reply()
            .getValue();
    assertEquals(1, watching.lastSeq());

    String turn = send("hello");
    FeedItem.Events started = hub.expectMessageClass(FeedItem.Events.class);
    assertEquals(2, started.firstSeq());
    assertEquals(
        List.of("UserMessageAdded", "ModelCallStarted"),
        started.events().stream().map(FeedItem.StoredEvent::type).toList());
    awaitHeld(1);
    held.get(0).sink().accept(new ModelDelta.Text("Hel"));
    held.get(0).sink().accept(new ModelDelta.Text("lo"));
    FeedItem.Delta d1 = hub.expectMessageClass(FeedItem.Delta.class);
    FeedItem.Delta d2 = hub.expectMessageClass(FeedItem.Delta.class);
    assertEquals(3, d1.afterSeq(), "deltas follow ModelCallStarted");
    assertEquals(turn, d1.turnId());
    assertEquals("lo", ((ModelDelta.Text) d2.delta()).text());

    held.get(0).reply().complete(answer("Hello"));
    FeedItem.Events ended = hub.expectMessageClass(FeedItem.Events.class);
    assertEquals(4, ended.firstSeq());
    assertEquals(
        List.of("ModelReplied", "TurnCompleted"),
        ended.events().stream().map(FeedItem.StoredEvent::type).toList());

    session.runCommand(new AgentSession.Unwatch(hub.getRef()));
    send("again");
    hub.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void aModelCallTriedAgainStreamsItsAnswerUnderTheNextAttempt() {
    holdModel = true;
    open(agent(Multitask.REJECT, List.of(), "unused"));
    TestProbe<FeedItem> hub = testKit.createTestProbe();
    session.<StatusReply<Watching>>runCommand(r -> new Watch(hub.getRef(), r));
    send("hello");
    hub.expectMessageClass(FeedItem.Events.class);
    awaitHeld(1);
    held.get(0).sink().accept(new ModelDelta.Text("half an ans"));
    assertEquals(1, hub.expectMessageClass(FeedItem.Delta.class).attempt());

    held.get(0)
        .reply()
        .completeExceptionally(
            new io.statehouse.runtime.model.ModelCallException("throttled", "slow down", true));
    awaitHeld(2);
    held.get(1).sink().accept(new ModelDelta.Text("A whole answer"));

    FeedItem.Delta again = hub.expectMessageClass(FeedItem.Delta.class);
    assertEquals(2, again.attempt(), "a client can tell the answer starts over");
    assertEquals(3, again.afterSeq());
  }

  @Test
  void aCancelledCallsLateDeltasReachNoWatcher() {
    holdModel = true;
    open(agent(Multitask.REJECT, List.of(), "unused"));
    TestProbe<FeedItem> hub = testKit.createTestProbe();
    session.<StatusReply<Watching>>runCommand(r -> new Watch(hub.getRef(), r));
    send("hello");
    hub.expectMessageClass(FeedItem.Events.class);
    awaitHeld(1);

    cancel(ALICE);
    hub.expectMessageClass(FeedItem.Events.class);
    held.get(0).sink().accept(new ModelDelta.Text("stale"));

    hub.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void anAgentWhoseGuardrailsRedactTheJournalStreamsNoDeltas() {
    holdModel = true;
    AgentSpec redacting =
        agent(Multitask.REJECT, List.of(), "unused")
            .withGovernance(
                List.of(),
                new GuardrailSpec(
                    List.of(RedactRule.builtIn("card")), List.of(Stage.JOURNAL), null));
    open(redacting);
    TestProbe<FeedItem> hub = testKit.createTestProbe();
    session.<StatusReply<Watching>>runCommand(r -> new Watch(hub.getRef(), r));
    send("hello");
    hub.expectMessageClass(FeedItem.Events.class);
    awaitHeld(1);

    held.get(0).sink().accept(new ModelDelta.Text("4111111111111111"));

    hub.expectNoMessage(Duration.ofMillis(300));
    held.get(0).reply().complete(answer("card 4111111111111111"));
    FeedItem.Events ended = hub.expectMessageClass(FeedItem.Events.class);
    assertInstanceOf(FeedItem.Events.class, ended);
    assertFalse(ended.events().get(0).json().contains("4111111111111111"));
  }
}

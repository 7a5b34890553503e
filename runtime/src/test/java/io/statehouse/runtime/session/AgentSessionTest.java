package io.statehouse.runtime.session;

import static io.statehouse.runtime.testing.Specs.ALICE;
import static io.statehouse.runtime.testing.Specs.call;
import static io.statehouse.runtime.testing.Specs.calls;
import static io.statehouse.runtime.testing.Specs.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.journal.JournalStatus.Unavailable;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.ModelClient;
import io.statehouse.runtime.model.ModelClients;
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.scripted.ScriptedModelClient;
import io.statehouse.runtime.secret.SecretResolver;
import io.statehouse.runtime.session.AgentSession.AwaitTurn;
import io.statehouse.runtime.session.AgentSession.Close;
import io.statehouse.runtime.session.AgentSession.Command;
import io.statehouse.runtime.session.AgentSession.Create;
import io.statehouse.runtime.session.AgentSession.Get;
import io.statehouse.runtime.session.AgentSession.SendMessage;
import io.statehouse.runtime.session.AgentSession.TurnAccepted;
import io.statehouse.runtime.session.AgentSession.TurnOutcome;
import io.statehouse.runtime.testing.LocalHttpServer;
import io.statehouse.runtime.testing.RecordingDirectory;
import io.statehouse.runtime.testing.ScriptedTools;
import io.statehouse.runtime.testing.Specs;
import io.statehouse.runtime.tool.ArgumentValidator;
import io.statehouse.runtime.tool.ToolExecutor;
import io.statehouse.runtime.tool.ToolInvocation;
import io.statehouse.runtime.tool.ToolResult;
import io.statehouse.runtime.tool.egress.EgressGuard;
import io.statehouse.runtime.tool.egress.NodePorts;
import io.statehouse.runtime.tool.http.HttpToolExecutor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AgentSessionTest {
  private static ActorTestKit testKit;

  private final ScriptedTools tools = new ScriptedTools();
  // what the session's tool calls run on: the scripted tools unless a test needs real HTTP
  private ToolExecutor executor = tools;
  // statehouse.session.idempotency-key-turns for the session a test opens
  private int keyTurns = SessionState.RECENT_TURNS_KEPT;
  private final AtomicInteger modelCalls = new AtomicInteger();
  private final RecordingDirectory directory = new RecordingDirectory();
  private EventSourcedBehaviorTestKit<Command, SessionEvent, SessionState> session;
  private final SessionId id = new SessionId("acme", "ses_test");

  @BeforeAll
  static void start() {
    testKit =
        ActorTestKit.create(
            EventSourcedBehaviorTestKit.config()
                .withFallback(ConfigFactory.parseString("pekko.actor.serialize-messages = on"))
                .withFallback(ConfigFactory.load()));
  }

  private final PersistenceTestKit persistence = PersistenceTestKit.create(testKit.system());

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
    SessionDeps deps = deps(new ModelClients(Map.of("scripted", countingModel())));
    session =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            AgentSession.create(id, deps, null),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
    var created =
        session.<StatusReply<SessionState>>runCommand(
            r -> new Create(ALICE, agent, List.of(toolSpecs), Map.of(), r));
    assertTrue(created.reply().isSuccess());
  }

  /**
   * What the sessions under test run on: the given models, the scripted tools, a recording
   * directory.
   */
  private SessionDeps deps(ModelClients models) {
    SessionSettings settings =
        Specs.sessionSettings().withIdempotencyKeys(Duration.ofHours(1), keyTurns);
    return new SessionDeps(models, executor, new ArgumentValidator(), directory, settings, clock);
  }

  /** The wall clock, moved forward by what a test adds: commands read it, events record it. */
  private final AtomicReference<Duration> ahead = new AtomicReference<>(Duration.ZERO);

  private final Clock clock =
      new Clock() {
        @Override
        public java.time.ZoneId getZone() {
          return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public java.time.Instant instant() {
          return Clock.systemUTC().instant().plus(ahead.get());
        }
      };

  private ModelClient countingModel() {
    ScriptedModelClient scripted = new ScriptedModelClient();
    return (request, sink) -> {
      modelCalls.incrementAndGet();
      return scripted.converse(request, sink);
    };
  }

  private String send(String content, String key) {
    var result =
        session.<StatusReply<TurnAccepted>>runCommand(r -> new SendMessage(ALICE, content, key, r));
    return result.reply().getValue().turnId();
  }

  private TurnOutcome await(String turnId) {
    return session
        .<StatusReply<TurnOutcome>>runCommand(r -> new AwaitTurn(turnId, r))
        .reply()
        .getValue();
  }

  private List<String> eventTypes() {
    return session.persistenceTestKit().persistedInStorage(id.persistenceId().id()).stream()
        .map(e -> e.getClass().getSimpleName())
        .toList();
  }

  @Test
  void answersWithTextAfterCallingTwoToolsAndFeedingBackTheirResults() {
    open(
        Specs.agent(
            List.of("search", "lookup"),
            5,
            false,
            calls(call("search", "{\"q\":\"pekko\"}"), call("lookup", "{\"q\":\"cassandra\"}")),
            text("Both found.")),
        Specs.tool("search", true),
        Specs.tool("lookup", true));

    String turn = send("find things", null);
    TurnOutcome outcome = await(turn);

    assertEquals(TurnStatus.COMPLETED, outcome.status());
    assertEquals("Both found.", outcome.output());
    assertEquals(2, tools.invocations().size());
    assertEquals(
        List.of(
            "SessionCreated",
            "UserMessageAdded",
            "ModelCallStarted",
            "ModelReplied",
            "ToolCallStarted",
            "ToolCallStarted",
            "ToolCallSucceeded",
            "ToolCallSucceeded",
            "ModelCallStarted",
            "ModelReplied",
            "TurnCompleted"),
        eventTypes());
    SessionState state = session.getState();
    assertEquals(SessionStatus.IDLE, state.status());
    assertTrue(state.messages().get(2).toolResults().get(1).content().contains("cassandra"));
    assertEquals(
        "ses_test/" + turn + "/1/call_0_0", tools.invocationsOf("search").get(0).idempotencyKey());
  }

  @Test
  void aModelThatReusesToolUseIdsStillGetsADistinctIdempotencyKeyPerCall() {
    ModelClient reusesIds =
        (request, sink) -> {
          long assistants =
              request.messages().stream()
                  .filter(m -> m.role() == ChatMessage.Role.ASSISTANT)
                  .count();
          ModelReply reply =
              assistants < 2
                  ? new ModelReply(
                      null,
                      List.of(
                          new ToolUse("call_0", "search", Specs.json("{\"q\":\"x\"}")),
                          new ToolUse("call_0", "search", Specs.json("{\"q\":\"y\"}"))),
                      "tool_use",
                      null)
                  : new ModelReply("done", List.of(), "end_turn", null);
          return CompletableFuture.completedFuture(reply);
        };
    session =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            AgentSession.create(id, deps(new ModelClients(Map.of("scripted", reusesIds))), null));
    session.<StatusReply<SessionState>>runCommand(
        r ->
            new Create(
                ALICE,
                Specs.agent(List.of("search"), 5, false, text("unused")),
                List.of(Specs.tool("search", true)),
                Map.of(),
                r));

    assertEquals(TurnStatus.COMPLETED, await(send("go", null)).status());

    List<String> keys = tools.invocations().stream().map(ToolInvocation::idempotencyKey).toList();
    assertEquals(4, keys.size());
    assertEquals(4, keys.stream().distinct().count(), "every call has its own key: " + keys);
    List<String> ids =
        session.getState().messages().get(1).toolUses().stream().map(ToolUse::id).toList();
    assertEquals(List.of("call_0", "call_0_2"), ids, "ids are made unique within a reply");
  }

  @Test
  void sendsToolCallsTheIdentityOfTheSubjectWhoStartedTheTurn() {
    open(
        Specs.agent(
            List.of("search"), 5, false, calls(call("search", "{\"q\":\"x\"}")), text("ok")),
        Specs.tool("search", true));
    await(send("go", null));
    ToolInvocation.CallContext ctx = tools.invocations().get(0).context();
    assertEquals("acme", ctx.tenant());
    assertEquals("alice", ctx.subject());
    assertEquals("ses_test", ctx.sessionId());
    assertEquals("helper", ctx.agent());
  }

  @Test
  void eachToolCallsIdentityTokenIsMadeOnceAheadAndItsFirstAttemptSendsThatOne() throws Exception {
    // what the executor was asked to sign, and the tokens it made, in order
    List<ToolInvocation> signed = new java.util.concurrent.CopyOnWriteArrayList<>();
    executor =
        new ToolExecutor() {
          @Override
          public java.util.concurrent.CompletionStage<ToolResult> execute(ToolInvocation inv) {
            return tools.execute(inv);
          }

          @Override
          public String identityToken(ToolInvocation inv) {
            signed.add(inv);
            return "token-" + inv.context().callId() + "-" + signed.size();
          }
        };
    open(
        Specs.agent(
            List.of("search"),
            5,
            false,
            calls(call("search", "{\"q\":\"x\"}"), call("search", "{\"q\":\"y\"}")),
            text("ok")),
        Specs.tool("search", true));
    assertEquals(TurnStatus.COMPLETED, await(send("go", null)).status());

    List<ToolInvocation> sent = tools.invocations();
    assertEquals(2, sent.size());
    assertEquals(2, signed.size(), "one token per call, none made again as it is sent");
    for (ToolInvocation inv : sent) {
      ToolInvocation madeFor =
          signed.stream()
              .filter(s -> s.context().callId().equals(inv.context().callId()))
              .findFirst()
              .orElseThrow();
      assertEquals(inv.context(), madeFor.context());
      assertEquals(inv.idempotencyKey(), madeFor.idempotencyKey());
      assertEquals(1, inv.attempt());
      String token = inv.identityToken().toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertEquals("token-" + inv.context().callId() + "-" + (signed.indexOf(madeFor) + 1), token);
    }
  }

  @Test
  void rejectsASecondMessageWhileATurnRunsAndNamesTheRunningTurn() {
    tools.hold("search");
    open(
        Specs.agent(
            List.of("search"), 5, false, calls(call("search", "{\"q\":\"x\"}")), text("ok")),
        Specs.tool("search", true));
    String running = send("first", null);
    waitUntil(() -> tools.invocations().size() == 1);

    var second =
        session.<StatusReply<TurnAccepted>>runCommand(
            r -> new SendMessage(ALICE, "second", null, r));

    assertTrue(second.reply().isError());
    Rejection why = (Rejection) second.reply().getError();
    assertEquals("turn_in_progress", why.code());
    assertEquals(running, why.turnId());
    assertTrue(second.hasNoEvents(), "nothing is written for a rejected message");
    tools.release("search", new ToolResult.Success("{}"));
    assertEquals(TurnStatus.COMPLETED, await(running).status());
  }

  @Test
  void aKeyNamesItsTurnForTheConfiguredWindowAfterTheTurnEndedThenStartsANewOne() {
    open(Specs.agent(List.of(), 5, true, text("ok")));
    String first = send("refund order 1", "client-key-7");
    await(first);

    ahead.set(Duration.ofMinutes(59));
    var sameWithin =
        session.<StatusReply<TurnAccepted>>runCommand(
            r -> new SendMessage(ALICE, "refund order 1", "client-key-7", r));
    var otherWithin =
        session.<StatusReply<TurnAccepted>>runCommand(
            r -> new SendMessage(ALICE, "refund order 2", "client-key-7", r));
    assertEquals(first, sameWithin.reply().getValue().turnId());
    assertTrue(sameWithin.reply().getValue().replayed());
    assertEquals("idempotency_key_reused", ((Rejection) otherWithin.reply().getError()).code());

    ahead.set(Duration.ofMinutes(61));
    var sameAfter =
        session.<StatusReply<TurnAccepted>>runCommand(
            r -> new SendMessage(ALICE, "refund order 1", "client-key-7", r));
    assertNotEquals(first, sameAfter.reply().getValue().turnId(), "outside the window");
    assertFalse(sameAfter.reply().getValue().replayed());
  }

  @Test
  void aKeyWhoseTurnIsNoLongerAmongTheConfiguredNumberOfRememberedTurnsStartsANewTurn() {
    keyTurns = 2;
    open(Specs.agent(List.of(), 5, true, text("ok")));
    String first = send("refund order 1", "key-1");
    await(first);
    await(send("refund order 2", "key-2"));
    String third = send("refund order 3", "key-3");
    await(third);

    var firstAgain =
        session.<StatusReply<TurnAccepted>>runCommand(
            r -> new SendMessage(ALICE, "refund order 1", "key-1", r));
    var thirdAgain =
        session.<StatusReply<TurnAccepted>>runCommand(
            r -> new SendMessage(ALICE, "refund order 3", "key-3", r));

    assertNotEquals(first, firstAgain.reply().getValue().turnId(), "two newer turns ended since");
    assertFalse(firstAgain.reply().getValue().replayed());
    assertEquals(third, thirdAgain.reply().getValue().turnId());
    assertTrue(thirdAgain.reply().getValue().replayed());
  }

  @Test
  void theIdempotencyKeyWindowMustBePositive() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Specs.sessionSettings()
                .withIdempotencyKeys(Duration.ZERO, SessionState.RECENT_TURNS_KEPT));
  }

  @Test
  void aKeyReusedForADifferentMessageIsRefusedWhetherItsTurnRunsOrHasFinished() {
    tools.hold("search");
    open(
        Specs.agent(
            List.of("search"), 5, false, calls(call("search", "{\"q\":\"x\"}")), text("ok")),
        Specs.tool("search", true));
    String first = send("refund order 1", "client-key-9");
    waitUntil(() -> tools.invocations().size() == 1);

    var whileRunning =
        session.<StatusReply<TurnAccepted>>runCommand(
            r -> new SendMessage(ALICE, "refund order 2", "client-key-9", r));
    tools.release("search", new ToolResult.Success("{}"));
    await(first);
    var afterwards =
        session.<StatusReply<TurnAccepted>>runCommand(
            r -> new SendMessage(ALICE, "refund order 2", "client-key-9", r));
    session.restart();
    var afterRecovery =
        session.<StatusReply<TurnAccepted>>runCommand(
            r -> new SendMessage(ALICE, "refund order 2", "client-key-9", r));

    for (var refused : List.of(whileRunning, afterwards, afterRecovery)) {
      Rejection why = (Rejection) refused.reply().getError();
      assertEquals("idempotency_key_reused", why.code());
      assertEquals(first, why.turnId());
      assertTrue(refused.hasNoEvents());
    }
    var same =
        session.<StatusReply<TurnAccepted>>runCommand(
            r -> new SendMessage(ALICE, "refund order 1", "client-key-9", r));
    assertEquals(first, same.reply().getValue().turnId(), "the same message still replays");
  }

  @Test
  void aRepeatedIdempotencyKeyReturnsTheSameTurnAndWritesNothing() {
    open(Specs.agent(List.of(), 5, false, text("hello")));
    String first = send("hi", "client-key-1");
    await(first);
    int events = eventTypes().size();

    var again =
        session.<StatusReply<TurnAccepted>>runCommand(
            r -> new SendMessage(ALICE, "hi", "client-key-1", r));

    assertEquals(first, again.reply().getValue().turnId());
    assertTrue(again.reply().getValue().replayed());
    assertEquals(events, eventTypes().size());
    assertEquals("hello", await(first).output());
  }

  @Test
  void toolsNotOnTheAgentsListAndInvalidInputNeverRunAndTheModelHearsWhy() {
    open(
        Specs.agent(
            List.of("search"),
            5,
            false,
            calls(call("delete_everything", "{}"), call("search", "{\"wrong\":1}")),
            text("understood")),
        Specs.tool("search", true),
        Specs.tool("delete_everything", false));

    TurnOutcome outcome = await(send("go", null));

    assertEquals(TurnStatus.COMPLETED, outcome.status());
    assertTrue(tools.invocations().isEmpty(), "no tool ran");
    var results = session.getState().messages().get(2).toolResults();
    assertTrue(results.get(0).error() && results.get(0).content().startsWith("not_allowed"));
    assertTrue(results.get(1).error() && results.get(1).content().startsWith("invalid_arguments"));
    assertFalse(eventTypes().contains("ToolCallStarted"));
    // the attempt is audited: who asked for what, and why it was refused
    assertTrue(eventTypes().contains("ToolCallDenied"));
  }

  @Test
  void aModelThatKeepsAskingForToolsIsStoppedByMaxStepsPerTurn() {
    open(
        Specs.agent(List.of("search"), 3, true, calls(call("search", "{\"q\":\"again\"}"))),
        Specs.tool("search", true));

    TurnOutcome outcome = await(send("loop", null));

    assertEquals(TurnStatus.FAILED, outcome.status());
    assertEquals("max_steps_exceeded", outcome.errorCode());
    assertEquals(3, tools.invocations().size(), "three model calls, each asking for one tool");
    assertEquals(SessionStatus.IDLE, session.getState().status(), "the session takes new messages");
  }

  @Test
  void reIssuesAnInFlightModelCallAfterARestartAndCompletesTheTurnOnce() {
    open(Specs.agent(List.of(), 5, false, 2_500L, text("late answer"))); // outlasts the restart
    String turn = send("slow", null);
    assertTrue(session.getState().turn().modelCallInFlight());

    session.restart();

    waitUntil(() -> eventTypes().contains("TurnCompleted"));
    assertEquals(2, modelCalls.get(), "the call in flight was issued again by the new incarnation");
    List<String> types = eventTypes();
    assertEquals(
        1L,
        types.stream().filter("ModelCallStarted"::equals).count(),
        "the step is not re-recorded");
    assertEquals(
        1L,
        types.stream().filter("ModelReplied"::equals).count(),
        "one reply is kept, the other ignored");
    assertTrue(types.contains("TurnResumed"));
    assertEquals("late answer", await(turn).output());
  }

  @Test
  void reRunsAnInFlightIdempotentToolWithTheSameKeyAfterARestart() {
    tools.hold("search");
    open(
        Specs.agent(
            List.of("search"), 5, false, calls(call("search", "{\"q\":\"x\"}")), text("found it")),
        Specs.tool("search", true));
    String turn = send("go", null);
    waitUntil(() -> tools.invocations().size() == 1);

    session.restart();
    waitUntil(() -> tools.invocations().size() == 2);
    tools.release("search", new ToolResult.Success("{\"hits\":1}"));

    waitUntil(() -> eventTypes().contains("TurnCompleted"));
    List<ToolInvocation> runs = tools.invocationsOf("search");
    assertEquals(2, runs.size());
    assertEquals(runs.get(0).idempotencyKey(), runs.get(1).idempotencyKey());
    assertEquals(TurnStatus.COMPLETED, await(turn).status());
    assertTrue(eventTypes().contains("TurnResumed"));
    assertEquals(2, eventTypes().stream().filter("ToolCallStarted"::equals).count());
  }

  @Test
  void neverReRunsAnInFlightNonIdempotentToolAndAsksForADecisionInstead() {
    tools.hold("pay");
    open(
        Specs.agent(
            List.of("pay"), 5, false, calls(call("pay", "{\"q\":\"100 EUR\"}")), text("paid")),
        Specs.tool("pay", false));
    String turn = send("pay", null);
    waitUntil(() -> tools.invocations().size() == 1);

    session.restart();

    waitUntil(() -> eventTypes().contains("ToolCallOutcomeUnknown"));
    assertEquals(1, tools.invocationsOf("pay").size(), "the payment is not sent twice");
    SessionState state = session.getState();
    assertEquals(SessionStatus.NEEDS_DECISION, state.status());
    TurnOutcome outcome = await(turn);
    assertEquals(TurnStatus.NEEDS_DECISION, outcome.status());
    assertEquals("pay", outcome.decisions().get(0).tool());
    var busy =
        session.<StatusReply<TurnAccepted>>runCommand(
            r -> new SendMessage(ALICE, "hello?", null, r));
    assertEquals("needs_decision", ((Rejection) busy.reply().getError()).code());
  }

  @Test
  void aNonIdempotentCallThatFailsAfterItMayHaveReachedTheToolWaitsForAHumanNotTheModel() {
    tools.hold("pay");
    open(
        Specs.agent(
            List.of("pay"),
            5,
            true,
            calls(call("pay", "{\"q\":\"100 EUR\"}")),
            text("it failed, trying again")),
        Specs.tool("pay", false));
    String turn = send("pay", null);
    waitUntil(() -> tools.invocations().size() == 1);

    tools.release("pay", new ToolResult.Failure("timeout", "no answer within 5s", true));

    TurnOutcome outcome = await(turn);
    assertEquals(TurnStatus.NEEDS_DECISION, outcome.status());
    assertEquals("pay", outcome.decisions().get(0).tool());
    assertTrue(outcome.decisions().get(0).reason().contains("timeout"), outcome.toString());
    assertEquals(1, tools.invocationsOf("pay").size(), "never sent twice, by us or by the model");
    assertEquals(1, modelCalls.get(), "the model is not asked again, so it cannot retry");
    assertFalse(eventTypes().contains("ToolCallFailed"));
  }

  @Test
  void aNonIdempotentCallThatNeverReachedTheToolIsAPlainFailureTheModelHears() {
    tools.hold("pay");
    open(
        Specs.agent(
            List.of("pay"), 5, false, calls(call("pay", "{\"q\":\"100 EUR\"}")), text("sorry")),
        Specs.tool("pay", false));
    String turn = send("pay", null);
    waitUntil(() -> tools.invocations().size() == 1);

    tools.release(
        "pay", ToolResult.Failure.notSent("connection_failed", "connection refused", true));

    TurnOutcome outcome = await(turn);
    assertEquals(TurnStatus.COMPLETED, outcome.status());
    assertTrue(eventTypes().contains("ToolCallFailed"));
    assertFalse(eventTypes().contains("ToolCallOutcomeUnknown"));
  }

  /**
   * Opens a session whose non-idempotent HTTP tool {@code pay} always answers 409 and declares
   * {@code notApplied}, runs one call through the real HTTP executor, and returns the turn's end.
   */
  private TurnOutcome payAnswering409(Set<Integer> notApplied) throws Exception {
    try (LocalHttpServer server = new LocalHttpServer()) {
      server.on(
          "/pay", (ex, body) -> LocalHttpServer.respond(ex, 409, "{\"error\":\"duplicate\"}"));
      Config loopback =
          ConfigFactory.parseString("statehouse.egress.default.allow-cidrs = [\"127.0.0.0/8\"]")
              .withFallback(ConfigFactory.defaultReference())
              .resolve();
      executor =
          new HttpToolExecutor(
              Duration.ofSeconds(2),
              1024,
              EgressGuard.fromConfig(loopback, NodePorts.none()),
              SecretResolver.fromConfig(loopback));
      ToolSpec pay = Specs.tool("pay", false, server.url("/pay"));
      ToolSpec declaring =
          new ToolSpec(
              pay.name(),
              pay.version(),
              pay.description(),
              pay.inputSchema(),
              pay.idempotent(),
              pay.timeout(),
              pay.retry(),
              new HttpTarget("POST", pay.http().url(), Map.of(), notApplied));
      open(
          Specs.agent(
              List.of("pay"), 5, false, calls(call("pay", "{\"q\":\"100 EUR\"}")), text("sorry")),
          declaring);
      return await(send("pay", null));
    }
  }

  @Test
  void aNonIdempotentHttpToolAnsweringAStatusItDeclaresNotAppliedIsAFailureTheModelHears()
      throws Exception {
    TurnOutcome outcome = payAnswering409(Set.of(409, 422));

    assertEquals(
        TurnStatus.COMPLETED, outcome.status(), "the model heard the failure and answered");
    assertTrue(eventTypes().contains("ToolCallFailed"));
    assertFalse(eventTypes().contains("ToolCallOutcomeUnknown"));
    assertEquals(2, modelCalls.get());
  }

  @Test
  void aNonIdempotentHttpToolAnsweringAnUndeclared4xxWaitsForAHuman() throws Exception {
    TurnOutcome outcome = payAnswering409(Set.of(422));

    assertEquals(TurnStatus.NEEDS_DECISION, outcome.status());
    assertTrue(outcome.decisions().get(0).reason().contains("http_409"), outcome.toString());
    assertTrue(eventTypes().contains("ToolCallOutcomeUnknown"));
    assertFalse(eventTypes().contains("ToolCallFailed"));
    assertEquals(1, modelCalls.get(), "the model is not asked again, so it cannot retry");
  }

  @Test
  void anIdempotentCallThatFailedStaysAPlainFailure() {
    tools.hold("search");
    open(
        Specs.agent(
            List.of("search"), 5, false, calls(call("search", "{\"q\":\"x\"}")), text("none")),
        Specs.tool("search", true));
    String turn = send("find", null);
    waitUntil(() -> tools.invocations().size() == 1);

    tools.release("search", new ToolResult.Failure("http_500", "boom", false));

    assertEquals(TurnStatus.COMPLETED, await(turn).status());
    assertTrue(eventTypes().contains("ToolCallFailed"));
  }

  @Test
  void closingARunningSessionFailsItsTurnAndRefusesLaterMessages() {
    tools.hold("search");
    open(
        Specs.agent(
            List.of("search"), 5, false, calls(call("search", "{\"q\":\"x\"}")), text("ok")),
        Specs.tool("search", true));
    String turn = send("go", null);
    waitUntil(() -> tools.invocations().size() == 1);

    var closed =
        session.<StatusReply<SessionState>>runCommand(r -> new Close(ALICE, "user left", r));

    assertEquals(SessionStatus.CLOSED, closed.reply().getValue().status());
    TurnOutcome outcome = await(turn);
    assertEquals(TurnStatus.FAILED, outcome.status());
    assertEquals("session_closed", outcome.errorCode());
    var after =
        session.<StatusReply<TurnAccepted>>runCommand(r -> new SendMessage(ALICE, "hi", null, r));
    assertEquals("session_closed", ((Rejection) after.reply().getError()).code());
  }

  @Test
  void aSessionNobodyOpenedAnswersNotFoundAndWritesNothing() {
    SessionDeps deps = deps(new ModelClients(Map.of()));
    session =
        EventSourcedBehaviorTestKit.create(testKit.system(), AgentSession.create(id, deps, null));

    var get = session.<StatusReply<SessionState>>runCommand(Get::new);
    var send =
        session.<StatusReply<TurnAccepted>>runCommand(r -> new SendMessage(ALICE, "hi", null, r));

    assertEquals("session_not_found", ((Rejection) get.reply().getError()).code());
    assertEquals("session_not_found", ((Rejection) send.reply().getError()).code());
    assertTrue(send.hasNoEvents());
  }

  @Test
  void recordsItsListEntryOnEveryStatusChangeWithTheLatestSequenceNumber() {
    tools.hold("search");
    open(
        Specs.agent(
            List.of("search"), 5, false, calls(call("search", "{\"q\":\"x\"}")), text("ok")),
        Specs.tool("search", true));
    assertEquals(List.of(SessionStatus.IDLE), directory.statuses(), "recorded when opened");

    String turn = send("go", null);
    waitUntil(() -> tools.invocations().size() == 1);
    assertEquals(List.of(SessionStatus.IDLE, SessionStatus.RUNNING), directory.statuses());
    assertEquals(turn, directory.last().entry().lastTurnId());

    tools.release("search", new ToolResult.Success("{}"));
    await(turn);
    waitUntil(() -> directory.statuses().size() == 3);
    RecordingDirectory.Recorded last = directory.last();
    assertEquals(SessionStatus.IDLE, last.entry().status());
    assertEquals(
        eventTypes().size(), last.sequenceNr(), "stamped with the last event's sequence number");
    assertTrue(directory.records().stream().allMatch(r -> r.id().equals(id)));
  }

  @Test
  void recordsItsListEntryAgainWhenItRecovers() {
    open(Specs.agent(List.of(), 5, false, text("hello")));
    await(send("hi", null));
    int before = directory.records().size();

    session.restart();

    waitUntil(() -> directory.records().size() == before + 1);
    assertEquals(SessionStatus.IDLE, directory.last().entry().status());
    assertEquals(eventTypes().size(), directory.last().sequenceNr());
  }

  @Test
  void recoversTheSameStateFromTheJournal() {
    open(
        Specs.agent(
            List.of("search"), 5, false, calls(call("search", "{\"q\":\"x\"}")), text("ok")),
        Specs.tool("search", true));
    await(send("one", "k1"));
    SessionState before = session.getState();

    session.restart();

    assertEquals(before, session.getState());
  }

  /** A session actor (not the test kit's) with a turn of {@code agent} started: the turn's id. */
  private record LiveTurn(org.apache.pekko.actor.typed.ActorRef<Command> session, String turnId) {}

  private LiveTurn liveTurn(
      SessionId sessionId, SessionDeps deps, AgentSpec agent, List<ToolSpec> toolSpecs) {
    var live = testKit.spawn(AgentSession.create(sessionId, deps, null));
    TestProbe<StatusReply<SessionState>> created = testKit.createTestProbe();
    live.tell(new Create(ALICE, agent, toolSpecs, Map.of(), created.ref()));
    assertTrue(created.receiveMessage().isSuccess());
    TestProbe<StatusReply<TurnAccepted>> accepted = testKit.createTestProbe();
    live.tell(new SendMessage(ALICE, "hi", null, accepted.ref()));
    return new LiveTurn(live, accepted.receiveMessage().getValue().turnId());
  }

  @Test
  void stopsWhenTheNodeLosesItsJournalAndTellsCallersWaitingForTheTurnWhy() {
    CompletableFuture<ModelReply> never = new CompletableFuture<>();
    SessionDeps deps = deps(new ModelClients(Map.of("scripted", (request, sink) -> never)));
    LiveTurn started =
        liveTurn(
            new SessionId("acme", "ses_lost"), deps, Specs.agent(List.of(), 5, false), List.of());
    var live = started.session();
    String turn = started.turnId();
    TestProbe<StatusReply<TurnOutcome>> waiter = testKit.createTestProbe();
    live.tell(new AwaitTurn(turn, waiter.ref()));
    TestProbe<Object> watcher = testKit.createTestProbe();

    // a loss that began before this incarnation read its journal changes nothing
    testKit
        .system()
        .eventStream()
        .tell(new EventStream.Publish<>(new Unavailable("stale", Instant.now().minusSeconds(60))));
    waiter.expectNoMessage(Duration.ofMillis(200));

    testKit
        .system()
        .eventStream()
        .tell(new EventStream.Publish<>(new Unavailable("no connection", Instant.now())));

    StatusReply<TurnOutcome> heard = waiter.receiveMessage();
    assertEquals("journal_unavailable", ((Rejection) heard.getError()).code());
    watcher.expectTerminated(live);
  }

  @Test
  void aCallerWaitingForATurnHearsTheSessionIsMovingWhenShardingStopsIt() {
    CompletableFuture<ModelReply> never = new CompletableFuture<>();
    SessionDeps deps = deps(new ModelClients(Map.of("scripted", (request, sink) -> never)));
    LiveTurn started =
        liveTurn(
            new SessionId("acme", "ses_moving"), deps, Specs.agent(List.of(), 5, false), List.of());
    var live = started.session();
    String turn = started.turnId();
    TestProbe<StatusReply<TurnOutcome>> waiter = testKit.createTestProbe();
    live.tell(new AwaitTurn(turn, waiter.ref()));
    TestProbe<Object> watcher = testKit.createTestProbe();

    // the stop message sharding sends on a hand-off (a node leaving) or passivation
    live.tell(new AgentSession.Stop());

    StatusReply<TurnOutcome> heard = waiter.receiveMessage();
    assertEquals(AgentSession.MOVING, ((Rejection) heard.getError()).code());
    watcher.expectTerminated(live);
  }

  @Test
  void asToldToMoveWhileANonIdempotentToolRunsItRecordsTheAnswerFirstAndStartsNothingNew() {
    CompletableFuture<ToolResult> answer = new CompletableFuture<>();
    AtomicInteger toolRuns = new AtomicInteger();
    executor =
        invocation -> {
          toolRuns.incrementAndGet();
          return answer;
        };
    SessionDeps deps = deps(new ModelClients(Map.of("scripted", countingModel())));
    SessionId moving = new SessionId("acme", "ses_hand_off");
    LiveTurn started =
        liveTurn(
            moving,
            deps,
            Specs.agent(
                List.of("charge"), 5, false, calls(call("charge", "{\"q\":\"x\"}")), text("ok")),
            List.of(Specs.tool("charge", false)));
    var live = started.session();
    String turn = started.turnId();
    waitUntil(() -> toolRuns.get() == 1);
    TestProbe<StatusReply<TurnOutcome>> waiter = testKit.createTestProbe();
    live.tell(new AwaitTurn(turn, waiter.ref()));
    TestProbe<Object> watcher = testKit.createTestProbe();

    // sharding hands the session off (its node leaves) while the charge is running
    live.tell(new AgentSession.Stop());
    waiter.expectNoMessage(Duration.ofMillis(300));
    answer.complete(new ToolResult.Success("{\"charged\":true}"));

    assertEquals(AgentSession.MOVING, ((Rejection) waiter.receiveMessage().getError()).code());
    watcher.expectTerminated(live);
    List<String> types =
        persistence.persistedInStorage(moving.persistenceId().id()).stream()
            .map(e -> e.getClass().getSimpleName())
            .toList();
    assertTrue(types.contains("ToolCallSucceeded"), "the charge's answer is recorded: " + types);
    assertEquals(1, toolRuns.get());
    assertEquals(
        1, modelCalls.get(), "the next model call is the next incarnation's, not this one's");
  }

  @Test
  void aJournalWithAGapRecoversIntoABrokenSessionThatRefusesChangesButCanBeRead() {
    open(Specs.agent(List.of(), 5, false, text("hello")));
    await(send("hi", null));
    await(send("again", null));
    List<Object> events = persistence.persistedInStorage(id.persistenceId().id());
    persistence.clearByPersistenceId(id.persistenceId().id());
    // events 4 and 5 (of the first turn) are lost; the rest is intact
    List<Object> withGap = new ArrayList<>(events.subList(0, 3));
    withGap.addAll(events.subList(5, events.size()));
    persistence.persistForRecovery(id.persistenceId().id(), withGap);

    session.restart();

    SessionState state = session.getState();
    assertEquals(SessionStatus.BROKEN, state.status());
    assertEquals(1, state.messages().size(), "readable up to the last linked event");
    var send =
        session.<StatusReply<TurnAccepted>>runCommand(r -> new SendMessage(ALICE, "hi", null, r));
    assertEquals("journal_broken", ((Rejection) send.reply().getError()).code());
    assertTrue(send.hasNoEvents(), "nothing is written past a journal that does not link");
    var get = session.<StatusReply<SessionState>>runCommand(Get::new);
    assertEquals(SessionStatus.BROKEN, get.reply().getValue().status());
    assertTrue(
        session.runCommand(new AgentSession.Resume()).hasNoEvents(),
        "a broken session resumes nothing, even when told to");
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 5 s");
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}

package io.statehouse.runtime.session;

import static io.statehouse.runtime.testing.Specs.ALICE;
import static io.statehouse.runtime.testing.Specs.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.Limits;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.ModelClient;
import io.statehouse.runtime.model.ModelClients;
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.ModelRequest;
import io.statehouse.runtime.model.Price;
import io.statehouse.runtime.model.Prices;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.policy.guardrail.GuardrailSpec;
import io.statehouse.runtime.policy.guardrail.RedactRule;
import io.statehouse.runtime.policy.guardrail.Stage;
import io.statehouse.runtime.session.AgentSession.AwaitTurn;
import io.statehouse.runtime.session.AgentSession.Command;
import io.statehouse.runtime.session.AgentSession.Create;
import io.statehouse.runtime.session.AgentSession.SendMessage;
import io.statehouse.runtime.session.AgentSession.TurnAccepted;
import io.statehouse.runtime.session.AgentSession.TurnOutcome;
import io.statehouse.runtime.session.SessionEvent.ModelReplied;
import io.statehouse.runtime.testing.RecordingDirectory;
import io.statehouse.runtime.testing.ScriptedTools;
import io.statehouse.runtime.testing.SettableClock;
import io.statehouse.runtime.testing.Specs;
import io.statehouse.runtime.tool.ArgumentValidator;
import io.statehouse.runtime.usage.GroupBy;
import io.statehouse.runtime.usage.UsageGroup;
import io.statehouse.runtime.usage.UsageLedger;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a session does with each model answer's stop reason, how it prices and sums model calls, how
 * its limits stop a call before it would cross them, and what it reports to the usage ledger.
 */
class ModelCallAccountingTest {
  private static ActorTestKit testKit;

  /** USD 1 per million input tokens, USD 2 per million output tokens, cache reads at a tenth. */
  private static final Price PRICE =
      new Price(
          BigDecimal.ONE, BigDecimal.valueOf(2), new BigDecimal("0.1"), new BigDecimal("1.25"));

  private final ScriptedTools tools = new ScriptedTools();
  private final AtomicInteger modelCalls = new AtomicInteger();
  private final List<UsageLedger.Entry> ledger = new CopyOnWriteArrayList<>();
  private final SettableClock clock = new SettableClock(Instant.parse("2026-11-23T10:00:00Z"));
  private SessionSettings settings = Specs.sessionSettings();
  private EventSourcedBehaviorTestKit<Command, SessionEvent, SessionState> session;
  private final SessionId id = new SessionId("acme", "ses_ledger");

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

  private final UsageLedger recording =
      new UsageLedger() {
        @Override
        public void record(SessionId sid, Entry entry, long sequenceNr) {
          ledger.add(entry);
        }

        @Override
        public CompletionStage<List<UsageGroup>> report(
            String tenant, LocalDate from, LocalDate to, GroupBy by) {
          return CompletableFuture.completedFuture(List.of());
        }
      };

  /** Opens a session of an agent on provider "test", whose every call {@code answer} answers. */
  private void open(Limits limits, ObjectNode options, Function<ModelRequest, ModelReply> answer) {
    open(limits, options, null, answer);
  }

  private void open(
      Limits limits,
      ObjectNode options,
      GuardrailSpec guardrails,
      Function<ModelRequest, ModelReply> answer) {
    ModelClient model =
        (request, sink) -> {
          modelCalls.incrementAndGet();
          return CompletableFuture.completedFuture(answer.apply(request));
        };
    SessionDeps deps =
        new SessionDeps(
                new ModelClients(
                    Map.of("test", model), new Prices(Map.of("test", Map.of("m-1", PRICE)))),
                tools,
                new ArgumentValidator(),
                new RecordingDirectory(),
                settings,
                clock)
            .withUsage(recording);
    session =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            AgentSession.create(id, deps, null),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
    AgentSpec agent =
        new AgentSpec(
            "pricer",
            1,
            "",
            "Be brief.",
            new ModelSpec("test", "m-1", null, false, List.of(), options),
            List.of("search"),
            limits,
            List.of(),
            guardrails);
    var created =
        session.<StatusReply<SessionState>>runCommand(
            r -> new Create(ALICE, agent, List.of(Specs.tool("search", true)), Map.of(), r));
    assertTrue(created.reply().isSuccess());
  }

  private void open(Function<ModelRequest, ModelReply> answer) {
    open(new Limits(5, 0, null), null, answer);
  }

  private TurnOutcome turn(String content) {
    String turnId =
        session
            .<StatusReply<TurnAccepted>>runCommand(r -> new SendMessage(ALICE, content, null, r))
            .reply()
            .getValue()
            .turnId();
    return session
        .<StatusReply<TurnOutcome>>runCommand(r -> new AwaitTurn(turnId, r))
        .reply()
        .getValue();
  }

  private static ModelReply reply(String text, String stop, long in, long out) {
    return new ModelReply(text, List.of(), stop, new Usage(in, out, BigDecimal.ZERO));
  }

  private static ModelReply toolUse(String stop, long in, long out) {
    return new ModelReply(
        null,
        List.of(new ToolUse("t1", "search", Specs.json("{\"q\":\"x\"}"))),
        stop,
        new Usage(in, out, BigDecimal.ZERO));
  }

  private static boolean afterToolResult(ModelRequest r) {
    return r.messages().get(r.messages().size() - 1).role() == ChatMessage.Role.TOOL;
  }

  @Test
  void aModelCallSendsTheWorkingContextNotTheWholeConversation() {
    settings = Specs.sessionSettings().withContextMessages(3);
    List<ModelRequest> requests = new CopyOnWriteArrayList<>();
    open(
        r -> {
          requests.add(r);
          return reply("answer " + r.messages().size(), "end_turn", 1, 1);
        });
    turn("one");
    turn("two");
    turn("three");

    // at the third turn's start, 5 messages are over the bound of 3: the first turn leaves
    assertEquals(
        List.of("two", "answer 3", "three"),
        requests.get(2).messages().stream().map(ChatMessage::text).toList());
    SessionState state = session.getState();
    assertEquals(2, state.contextDropped());
    assertEquals(
        3,
        session.persistenceTestKit().persistedInStorage(id.persistenceId().id()).stream()
            .filter(SessionEvent.UserMessageAdded.class::isInstance)
            .count(),
        "the journal keeps the whole conversation");
  }

  private List<ModelReplied> replies() {
    return session.persistenceTestKit().persistedInStorage(id.persistenceId().id()).stream()
        .filter(ModelReplied.class::isInstance)
        .map(ModelReplied.class::cast)
        .toList();
  }

  // ---- stop reasons ----------------------------------------------------------------------------

  @Test
  void aCompleteAnswerShowsItsStopReasonOnTheTurn() {
    open(r -> reply("Done.", "end_turn", 10, 2));

    TurnOutcome outcome = turn("hi");

    assertEquals(TurnStatus.COMPLETED, outcome.status());
    assertEquals("end_turn", outcome.stopReason());
    assertEquals("end_turn", session.getState().recentTurns().get(0).stopReason());
  }

  @Test
  void anAnswerCutAtMaxTokensIsKeptAndMarkedOnTheTurn() {
    open(r -> reply("The first half of a long", "max_tokens", 10, 50));

    TurnOutcome outcome = turn("write an essay");

    assertEquals(TurnStatus.COMPLETED, outcome.status());
    assertEquals("The first half of a long", outcome.output());
    assertEquals("max_tokens", outcome.stopReason());
  }

  @Test
  void toolUsesCutAtMaxTokensNeverRunAndFailTheTurnWithTheReason() {
    open(r -> toolUse("max_tokens", 10, 50));

    TurnOutcome outcome = turn("search");

    assertEquals(TurnStatus.FAILED, outcome.status());
    assertEquals("max_tokens", outcome.errorCode());
    assertEquals("max_tokens", outcome.stopReason());
    assertTrue(tools.invocations().isEmpty(), "a cut tool use may carry half its input");
    assertTrue(replies().get(0).toolUses().isEmpty());
    assertEquals(1, modelCalls.get());
  }

  @Test
  void aProviderGuardrailInterventionEndsTheTurnRunsNoToolAndKeepsTheProvidersMessage() {
    open(
        r ->
            new ModelReply(
                "Sorry, I cannot help with that.",
                List.of(new ToolUse("t1", "search", Specs.json("{\"q\":\"x\"}"))),
                "guardrail_intervened",
                new Usage(12, 0, BigDecimal.ZERO)));

    TurnOutcome outcome = turn("something forbidden");

    assertEquals(TurnStatus.FAILED, outcome.status());
    assertEquals("guardrail_intervened", outcome.errorCode());
    assertTrue(outcome.errorMessage().contains("Sorry, I cannot help with that."));
    assertEquals("guardrail_intervened", outcome.stopReason());
    assertTrue(tools.invocations().isEmpty());
    assertEquals(SessionStatus.IDLE, session.getState().status(), "the session takes new messages");
  }

  @Test
  void theProvidersWordsInATurnsErrorAreRedactedAsTheJournalKeepsThem() {
    GuardrailSpec redactEmail =
        new GuardrailSpec(List.of(RedactRule.builtIn("email")), List.of(Stage.JOURNAL), List.of());
    open(
        new Limits(5, 0, null),
        null,
        redactEmail,
        r -> reply("Blocked: do not write to jane.doe@example.com", "guardrail_intervened", 9, 0));

    TurnOutcome outcome = turn("write to jane");

    assertEquals("guardrail_intervened", outcome.errorCode());
    assertTrue(outcome.errorMessage().contains("[REDACTED:email]"), outcome.errorMessage());
    assertFalse(outcome.errorMessage().contains("jane.doe@example.com"));
    assertFalse(
        session
            .persistenceTestKit()
            .persistedInStorage(id.persistenceId().id())
            .toString()
            .contains("jane.doe@example.com"),
        "neither the reply nor the turn's error keeps it");
  }

  @Test
  void aProviderContentFilterEndsTheTurn() {
    open(r -> reply("", "content_filtered", 12, 3));

    TurnOutcome outcome = turn("something filtered");

    assertEquals(TurnStatus.FAILED, outcome.status());
    assertEquals("content_filtered", outcome.errorCode());
    assertEquals("content_filtered", outcome.stopReason());
  }

  // ---- prices and sums
  // ----------------------------------------------------------------------------

  @Test
  void eachCallIsPricedFromTheTableAndSummedPerTurnAndPerSession() {
    open(
        r ->
            afterToolResult(r)
                ? new ModelReply(
                    "found",
                    List.of(),
                    "end_turn",
                    new Usage(100, 20, BigDecimal.ZERO, 1000L, null))
                : toolUse("tool_use", 300, 10));

    TurnOutcome first = turn("search");
    TurnOutcome second = turn("search again");

    // 300 * 1 + 10 * 2 = 320 micro-USD; 100 * 1 + 20 * 2 + 1000 * 0.1 = 240 micro-USD
    List<ModelReplied> replies = replies();
    assertEquals(0, new BigDecimal("0.00032").compareTo(replies.get(0).usage().costUsd()));
    assertEquals(0, new BigDecimal("0.00024").compareTo(replies.get(1).usage().costUsd()));
    assertEquals(0, new BigDecimal("0.00056").compareTo(first.usage().costUsd()));
    assertEquals(400, first.usage().inputTokens());
    assertEquals(1000, first.usage().cacheRead());
    assertEquals(1430, first.usage().totalTokens());
    assertEquals(0, new BigDecimal("0.00112").compareTo(session.getState().usage().costUsd()));
    assertEquals(2860, session.getState().usage().totalTokens());
    assertEquals(first.usage(), second.usage());
  }

  // ---- limits
  // --------------------------------------------------------------------------------------

  @Test
  void maxCostUsdStopsTheCallThatWouldCrossItBeforeItIsMade() {
    // each call: 2000 input tokens and 500 output = 0.003 USD; with up to 500 output tokens
    // (model.maxTokens) estimated per call, the limit allows three calls, not four
    open(
        new Limits(50, 0, new BigDecimal("0.01")),
        Json.object().put("maxTokens", 500),
        r ->
            afterToolResult(r)
                ? reply("ok", "end_turn", 2000, 500)
                : toolUse("tool_use", 2000, 500));

    TurnOutcome first = turn("one");
    TurnOutcome second = turn("two");

    assertEquals(TurnStatus.COMPLETED, first.status());
    assertEquals(TurnStatus.FAILED, second.status());
    assertEquals("cost_limit_exceeded", second.errorCode());
    assertTrue(second.errorMessage().contains("maxCostUsd 0.01"), second.errorMessage());
    assertTrue(second.errorMessage().contains("spent 0.009 USD"), second.errorMessage());
    assertEquals(3, modelCalls.get(), "the fourth call would have crossed the limit");
    assertTrue(
        session.getState().usage().costUsd().compareTo(new BigDecimal("0.01")) <= 0,
        "the session never spent past its limit");
  }

  @Test
  void theEstimateIncludesTheRequestSizeSoOneHugeMessageIsStoppedBeforeAnyCall() {
    open(new Limits(5, 1000, null), null, r -> reply("never", "end_turn", 1, 1));

    TurnOutcome outcome = turn("x".repeat(8000));

    assertEquals(TurnStatus.FAILED, outcome.status());
    assertEquals("token_limit_exceeded", outcome.errorCode());
    assertTrue(outcome.errorMessage().contains("maxTokensPerSession 1000"), outcome.errorMessage());
    // 8000 characters of message alone are 2000 tokens at four characters a token
    assertTrue(outcome.errorMessage().contains("estimated at 20"), outcome.errorMessage());
    assertEquals(0, modelCalls.get());
  }

  @Test
  void theModelsMaxTokensCountsAsTheCallsPossibleOutput() {
    ObjectNode options = Json.object().put("maxTokens", 4096);
    open(new Limits(5, 0, null, 4000), options, r -> reply("never", "end_turn", 1, 1));

    TurnOutcome outcome = turn("short");

    assertEquals("token_limit_exceeded", outcome.errorCode());
    assertTrue(outcome.errorMessage().contains("maxTokensPerTurn 4000"), outcome.errorMessage());
    assertTrue(outcome.errorMessage().contains("up to 4096 output tokens"), outcome.errorMessage());
    assertEquals(0, modelCalls.get());
  }

  @Test
  void maxTokensPerTurnStopsALongTurnButTheNextTurnStartsAfresh() {
    // every call uses 700 tokens and may use up to 100 output (model.maxTokens): two fit in 1500,
    // a third would not
    open(
        new Limits(50, 0, null, 1500),
        Json.object().put("maxTokens", 100),
        r -> toolUse("tool_use", 600, 100));

    TurnOutcome first = turn("search until done");
    TurnOutcome second = turn("and again");

    assertEquals(TurnStatus.FAILED, first.status());
    assertEquals("token_limit_exceeded", first.errorCode());
    assertTrue(first.errorMessage().contains("maxTokensPerTurn 1500"), first.errorMessage());
    assertEquals(1400, first.usage().totalTokens());
    assertEquals("token_limit_exceeded", second.errorCode());
    assertEquals(4, modelCalls.get(), "each turn made two calls");
  }

  @Test
  void aModelThatReusesOneToolUseIdAtEveryStepHasEveryStepsCallRun() {
    // each step's call is "t1" again, and each tool call's actor stops the moment it answers: the
    // next step's actor must not be refused the name of the one still stopping
    int steps = 300;
    open(
        new Limits(steps + 1, 0, null),
        null,
        r ->
            r.messages().stream().filter(m -> m.role() == ChatMessage.Role.TOOL).count() < steps
                ? toolUse("tool_use", 1, 1)
                : reply("searched enough", "end_turn", 1, 1));

    TurnOutcome outcome = turn("search, again and again");

    assertEquals(TurnStatus.COMPLETED, outcome.status(), String.valueOf(outcome.errorMessage()));
    assertEquals("searched enough", outcome.output());
    assertEquals(steps, tools.invocationsOf("search").size());
    assertEquals(
        steps,
        tools.invocationsOf("search").stream().map(i -> i.idempotencyKey()).distinct().count(),
        "each step's call has a key of its own");
  }

  @Test
  void aCostLimitOnAModelWithoutAPriceMakesNoCall() {
    open(new Limits(5, 0, new BigDecimal("1")), null, r -> reply("never", "end_turn", 1, 1));
    // the same agent on a model the table has no price for
    session.clear();
    SessionDeps deps =
        new SessionDeps(
            new ModelClients(
                Map.of(
                    "test",
                    (request, sink) -> {
                      modelCalls.incrementAndGet();
                      return CompletableFuture.completedFuture(reply("x", "end_turn", 1, 1));
                    }),
                new Prices(Map.of())),
            tools,
            new ArgumentValidator(),
            new RecordingDirectory(),
            Specs.sessionSettings(),
            clock);
    session =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            AgentSession.create(id, deps, null),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
    session.<StatusReply<SessionState>>runCommand(
        r ->
            new Create(
                ALICE,
                new AgentSpec(
                    "pricer",
                    1,
                    "",
                    "",
                    new ModelSpec("test", "m-unpriced", null, false, List.of()),
                    List.of(),
                    new Limits(5, 0, new BigDecimal("1"))),
                List.of(),
                Map.of(),
                r));

    TurnOutcome outcome = turn("hi");

    assertEquals("cost_limit_exceeded", outcome.errorCode());
    assertTrue(outcome.errorMessage().contains("no price"), outcome.errorMessage());
    assertEquals(0, modelCalls.get());
  }

  // ---- the usage ledger
  // ----------------------------------------------------------------------------

  @Test
  void reportsTheDaysUsageWhenATurnEndsOnlyWhenItChanged() {
    open(r -> reply("ok", "end_turn", 40, 10));

    turn("one");
    int afterFirst = ledger.size();
    turn("two");

    UsageLedger.Entry last = ledger.get(ledger.size() - 1);
    assertEquals(1, afterFirst, "one report for the first turn's end");
    assertEquals(2, ledger.size());
    assertEquals(LocalDate.parse("2026-11-23"), last.day());
    assertEquals("pricer", last.agent());
    assertEquals("test", last.provider());
    assertEquals("m-1", last.model());
    assertEquals(2, last.modelCalls());
    assertEquals(100, last.usage().totalTokens());
    // (40 * 1 + 10 * 2) micro-USD a call
    assertEquals(0, new BigDecimal("0.00012").compareTo(last.usage().costUsd()));
  }

  @Test
  void aTurnOverMidnightReportsBothDaysInFull() {
    clock.set(Instant.parse("2026-11-23T23:59:59Z"));
    open(
        r -> {
          if (afterToolResult(r)) {
            // the tool's call ran past midnight
            clock.set(Instant.parse("2026-11-24T00:00:01Z"));
            return reply("ok", "end_turn", 7, 3);
          }
          return toolUse("tool_use", 5, 5);
        });

    TurnOutcome outcome = turn("late");

    assertEquals(TurnStatus.COMPLETED, outcome.status());
    Map<LocalDate, UsageLedger.Entry> byDay =
        ledger.stream()
            .collect(
                java.util.stream.Collectors.toMap(UsageLedger.Entry::day, e -> e, (a, b) -> b));
    assertEquals(10, byDay.get(LocalDate.parse("2026-11-23")).usage().totalTokens());
    assertEquals(10, byDay.get(LocalDate.parse("2026-11-24")).usage().totalTokens());
    assertEquals(1, byDay.get(LocalDate.parse("2026-11-24")).modelCalls());
  }

  @Test
  void aSessionReportsItsUsageAgainWhenItRecovers() {
    open(r -> reply("ok", "end_turn", 40, 10));
    turn("one");
    ledger.clear();

    session.restart();

    assertEquals(1, ledger.size());
    assertEquals(50, ledger.get(0).usage().totalTokens());
    assertFalse(session.getState().usageByDay().isEmpty());
    assertNull(session.getState().turn());
  }
}

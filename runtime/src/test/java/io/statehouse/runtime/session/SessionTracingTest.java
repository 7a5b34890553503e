package io.statehouse.runtime.session;

import static io.statehouse.runtime.testing.Specs.ALICE;
import static io.statehouse.runtime.testing.Specs.call;
import static io.statehouse.runtime.testing.Specs.calls;
import static io.statehouse.runtime.testing.Specs.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.model.ModelClients;
import io.statehouse.runtime.model.scripted.ScriptedModelClient;
import io.statehouse.runtime.session.AgentSession.AwaitTurn;
import io.statehouse.runtime.session.AgentSession.Command;
import io.statehouse.runtime.session.AgentSession.Create;
import io.statehouse.runtime.session.AgentSession.SendMessage;
import io.statehouse.runtime.session.AgentSession.TurnAccepted;
import io.statehouse.runtime.session.AgentSession.TurnOutcome;
import io.statehouse.runtime.telemetry.Telemetry;
import io.statehouse.runtime.telemetry.TelemetrySettings;
import io.statehouse.runtime.telemetry.TraceParent;
import io.statehouse.runtime.testing.RecordingDirectory;
import io.statehouse.runtime.testing.ScriptedTools;
import io.statehouse.runtime.testing.Specs;
import io.statehouse.runtime.tool.ArgumentValidator;
import io.statehouse.runtime.tool.ToolInvocation;
import io.statehouse.runtime.tool.ToolResult;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A session's spans, by the GenAI conventions: {@code invoke_agent} per turn (the caller's W3C
 * context its parent), {@code chat} per model call and {@code execute_tool} per tool call under it,
 * the tool receiving its call span's context; no message text or tool data unless capture is on.
 */
class SessionTracingTest {
  private static final String CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER_SPAN = "00f067aa0ba902b7";
  private static final String TRACEPARENT = "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01";
  private static final AttributeKey<String> OPERATION =
      AttributeKey.stringKey("gen_ai.operation.name");

  private static ActorTestKit testKit;

  private final ScriptedTools tools = new ScriptedTools();
  private final Spans spans = new Spans();
  private final SdkTracerProvider provider =
      SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
  private final SessionId id = new SessionId("acme", "ses_traced");
  private EventSourcedBehaviorTestKit<Command, SessionEvent, SessionState> session;

  /** Keeps every span that ended. */
  private static final class Spans implements SpanExporter {
    final List<SpanData> ended = new CopyOnWriteArrayList<>();

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      ended.addAll(spans);
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }

    List<SpanData> named(String operation) {
      return ended.stream()
          .filter(s -> operation.equals(s.getAttributes().get(OPERATION)))
          .toList();
    }

    SpanData one(String operation) {
      List<SpanData> found = named(operation);
      assertEquals(1, found.size(), operation + " spans: " + ended);
      return found.get(0);
    }
  }

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
    provider.close();
  }

  private void open(boolean captureContent, AgentSpec agent, ToolSpec... toolSpecs) {
    Telemetry telemetry =
        new Telemetry(null, provider.get("test"), new TelemetrySettings(10_000, captureContent));
    SessionDeps deps =
        new SessionDeps(
                new ModelClients(Map.of("scripted", new ScriptedModelClient())),
                tools,
                new ArgumentValidator(),
                new RecordingDirectory(),
                Specs.sessionSettings(),
                Clock.systemUTC())
            .withTelemetry(telemetry);
    session =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            AgentSession.create(id, deps, null),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
    session.<StatusReply<SessionState>>runCommand(
        r -> new Create(ALICE, agent, List.of(toolSpecs), Map.of(), r));
  }

  private static AgentSpec searcher() {
    return Specs.agent(
        List.of("search"),
        5,
        false,
        calls(call("search", "{\"q\":\"secret plan\"}")),
        text("found the plan"));
  }

  private String send(String content, TraceParent trace) {
    return session
        .<StatusReply<TurnAccepted>>runCommand(r -> new SendMessage(ALICE, content, null, trace, r))
        .reply()
        .getValue()
        .turnId();
  }

  private TurnOutcome await(String turnId) {
    return session
        .<StatusReply<TurnOutcome>>runCommand(r -> new AwaitTurn(turnId, r))
        .reply()
        .getValue();
  }

  @Test
  void aTurnIsAnInvokeAgentSpanUnderTheCallersContextWithChatAndToolSpansUnderIt() {
    tools.answer("search", inv -> new ToolResult.Success("{\"hits\":[\"the plan\"]}"));
    open(false, searcher(), Specs.tool("search", true));

    String turn = send("where is the secret plan", TraceParent.fromHeaders(TRACEPARENT, "v=1"));
    assertEquals(TurnStatus.COMPLETED, await(turn).status());

    SpanData agent = spans.one("invoke_agent");
    assertEquals("invoke_agent helper", agent.getName());
    assertEquals(CALLER_TRACE, agent.getTraceId());
    assertEquals(CALLER_SPAN, agent.getParentSpanId(), "the caller's span is the turn's parent");
    assertEquals(
        "ses_traced", agent.getAttributes().get(AttributeKey.stringKey("gen_ai.conversation.id")));
    assertEquals("helper", agent.getAttributes().get(AttributeKey.stringKey("gen_ai.agent.name")));
    assertEquals(
        "scripted", agent.getAttributes().get(AttributeKey.stringKey("gen_ai.provider.name")));
    assertEquals(turn, agent.getAttributes().get(AttributeKey.stringKey("statehouse.turn.id")));
    assertEquals(StatusCode.UNSET, agent.getStatus().getStatusCode());

    List<SpanData> chats = spans.named("chat");
    assertEquals(2, chats.size(), "one chat span per model call");
    for (SpanData chat : chats) {
      assertEquals(agent.getSpanId(), chat.getParentSpanId());
      assertEquals(SpanKind.CLIENT, chat.getKind());
      assertTrue(chat.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens")) > 0);
    }

    SpanData tool = spans.one("execute_tool");
    assertEquals("execute_tool search", tool.getName());
    assertEquals(agent.getSpanId(), tool.getParentSpanId());
    assertEquals("search", tool.getAttributes().get(AttributeKey.stringKey("gen_ai.tool.name")));
    assertEquals(
        "call_0_0", tool.getAttributes().get(AttributeKey.stringKey("gen_ai.tool.call.id")));

    // the tool was called under its own span's context, carrying the caller's trace state
    ToolInvocation ran = tools.invocationsOf("search").get(0);
    assertEquals("00-" + CALLER_TRACE + "-" + tool.getSpanId() + "-01", ran.trace().traceParent());
    assertEquals("v=1", ran.trace().traceState());

    String everything = spans.ended.toString();
    assertFalse(everything.contains("secret plan"), "no message text or tool input by default");
    assertFalse(everything.contains("the plan\""), "no tool result or answer by default");
  }

  @Test
  void withoutACallersContextATurnStartsItsOwnTrace() {
    open(false, Specs.agent(List.of(), 5, false, text("hi")));

    assertEquals(TurnStatus.COMPLETED, await(send("hello", null)).status());

    SpanData agent = spans.one("invoke_agent");
    assertFalse(agent.getParentSpanContext().isValid(), "a root span");
    assertNotEquals(CALLER_TRACE, agent.getTraceId());
  }

  @Test
  void aFailedToolCallAndTheTurnItFailsCarryTheirErrorTypes() {
    tools.answer("search", inv -> new ToolResult.Failure("http_404", "not there", false));
    open(
        false,
        Specs.agent(
            List.of("search"), 1, false, calls(call("search", "{\"q\":\"x\"}")), text("unused")),
        Specs.tool("search", true));

    TurnOutcome outcome = await(send("go", null));
    assertEquals(TurnStatus.FAILED, outcome.status());

    SpanData tool = spans.one("execute_tool");
    assertEquals("http_404", tool.getAttributes().get(AttributeKey.stringKey("error.type")));
    assertEquals(StatusCode.ERROR, tool.getStatus().getStatusCode());
    SpanData agent = spans.one("invoke_agent");
    assertEquals(
        outcome.errorCode(), agent.getAttributes().get(AttributeKey.stringKey("error.type")));
    assertEquals(StatusCode.ERROR, agent.getStatus().getStatusCode());
  }

  @Test
  void withContentCaptureOnSpansCarryTheTextTheJournalKeeps() {
    open(true, searcher(), Specs.tool("search", true));

    assertEquals(TurnStatus.COMPLETED, await(send("where is it", null)).status());

    assertEquals(
        "where is it",
        spans
            .one("invoke_agent")
            .getAttributes()
            .get(AttributeKey.stringKey("gen_ai.input.messages")));
    SpanData tool = spans.one("execute_tool");
    assertEquals(
        "{\"q\":\"secret plan\"}",
        tool.getAttributes().get(AttributeKey.stringKey("gen_ai.tool.call.arguments")));
    assertTrue(
        tool.getAttributes()
            .get(AttributeKey.stringKey("gen_ai.tool.call.result"))
            .contains("secret plan"));
  }

  @Test
  void aTurnThatOutlivesItsIncarnationEndsItsSpanAndContinuesInANewResumedOne() {
    tools.hold("search");
    open(false, searcher(), Specs.tool("search", true));
    String turn = send("go", TraceParent.fromHeaders(TRACEPARENT, null));
    waitUntil(() -> tools.invocations().size() == 1);

    session.restart();
    waitUntil(() -> tools.invocations().size() == 2);
    tools.release("search", new ToolResult.Success("{\"hits\":1}"));
    assertEquals(TurnStatus.COMPLETED, await(turn).status());

    List<SpanData> turns = spans.named("invoke_agent");
    assertEquals(2, turns.size(), turns.toString());
    SpanData first = turns.get(0);
    SpanData resumed = turns.get(1);
    assertEquals(
        Boolean.TRUE,
        first.getAttributes().get(AttributeKey.booleanKey("statehouse.session.stopped")));
    assertNull(first.getAttributes().get(AttributeKey.booleanKey("statehouse.turn.resumed")));
    assertEquals(
        Boolean.TRUE,
        resumed.getAttributes().get(AttributeKey.booleanKey("statehouse.turn.resumed")));
    assertEquals(turn, resumed.getAttributes().get(AttributeKey.stringKey("statehouse.turn.id")));
    assertEquals(CALLER_TRACE, first.getTraceId());
    // the caller's context was never persisted: the resumed turn is a trace of its own
    assertFalse(resumed.getParentSpanContext().isValid());
    List<SpanData> toolSpans = spans.named("execute_tool");
    assertEquals(2, toolSpans.size(), "one span per run of the call");
    assertEquals(resumed.getSpanId(), toolSpans.get(1).getParentSpanId());
  }

  private static void waitUntil(BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}

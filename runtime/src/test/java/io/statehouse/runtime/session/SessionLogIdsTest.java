package io.statehouse.runtime.session;

import static io.statehouse.runtime.testing.Specs.ALICE;
import static io.statehouse.runtime.testing.Specs.call;
import static io.statehouse.runtime.testing.Specs.calls;
import static io.statehouse.runtime.testing.Specs.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.model.ModelCallException;
import io.statehouse.runtime.model.ModelClient;
import io.statehouse.runtime.model.ModelClients;
import io.statehouse.runtime.model.scripted.ScriptedModelClient;
import io.statehouse.runtime.session.AgentSession.AwaitTurn;
import io.statehouse.runtime.session.AgentSession.Command;
import io.statehouse.runtime.session.AgentSession.Create;
import io.statehouse.runtime.session.AgentSession.SendMessage;
import io.statehouse.runtime.session.AgentSession.TurnAccepted;
import io.statehouse.runtime.session.AgentSession.TurnOutcome;
import io.statehouse.runtime.telemetry.LogIds;
import io.statehouse.runtime.testing.RecordingDirectory;
import io.statehouse.runtime.testing.ScriptedTools;
import io.statehouse.runtime.testing.Specs;
import io.statehouse.runtime.tool.ArgumentValidator;
import io.statehouse.runtime.tool.ToolCall;
import io.statehouse.runtime.tool.ToolResult;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Log lines a session (and its tool calls) write carry the session's, turn's and call's ids. */
class SessionLogIdsTest {
  private static ActorTestKit testKit;
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final Logger toolCallLog = (Logger) LoggerFactory.getLogger(ToolCall.class);
  private Level toolCallLevel;
  private EventSourcedBehaviorTestKit<Command, SessionEvent, SessionState> session;

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

  @BeforeEach
  void capture() {
    lines.start();
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(lines);
    // the retry of a tool call is logged at INFO, below the tests' root level
    toolCallLevel = toolCallLog.getLevel();
    toolCallLog.setLevel(Level.INFO);
  }

  @AfterEach
  void release() {
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(lines);
    toolCallLog.setLevel(toolCallLevel);
    if (session != null) {
      session.clear();
    }
  }

  @Test
  void aSessionsRetryLinesNameItsTenantSessionTurnAndToolCall() {
    // the model fails once (retryable) and the tool once (retryable): both are logged, and retried
    AtomicInteger modelCalls = new AtomicInteger();
    ScriptedModelClient scripted = new ScriptedModelClient();
    ModelClient flaky =
        (request, sink) ->
            modelCalls.incrementAndGet() == 1
                ? CompletableFuture.failedFuture(
                    new ModelCallException("throttled", "slow down", true))
                : scripted.converse(request, sink);
    AtomicInteger toolCalls = new AtomicInteger();
    ScriptedTools tools =
        new ScriptedTools()
            .answer(
                "search",
                inv ->
                    toolCalls.incrementAndGet() == 1
                        ? new ToolResult.Failure("http_503", "busy", true)
                        : new ToolResult.Success("{}"));
    SessionId id = new SessionId("acme", "ses_logged");
    session =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            AgentSession.create(
                id,
                new SessionDeps(
                    new ModelClients(Map.of("scripted", flaky)),
                    tools,
                    new ArgumentValidator(),
                    new RecordingDirectory(),
                    Specs.sessionSettings(),
                    Clock.systemUTC()),
                null),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
    session.<StatusReply<SessionState>>runCommand(
        r ->
            new Create(
                ALICE,
                Specs.agent(
                    List.of("search"),
                    5,
                    false,
                    calls(call("search", "{\"q\":\"x\"}")),
                    text("ok")),
                List.of(Specs.tool("search", true)),
                Map.of(),
                r));

    String turn =
        session
            .<StatusReply<TurnAccepted>>runCommand(r -> new SendMessage(ALICE, "go", null, r))
            .reply()
            .getValue()
            .turnId();
    TurnOutcome outcome =
        session
            .<StatusReply<TurnOutcome>>runCommand(r -> new AwaitTurn(turn, r))
            .reply()
            .getValue();
    assertEquals(TurnStatus.COMPLETED, outcome.status());

    ILoggingEvent modelRetry = line("retrying", AgentSession.class.getName());
    Map<String, String> ids = modelRetry.getMDCPropertyMap();
    assertEquals("acme", ids.get(LogIds.TENANT));
    assertEquals("ses_logged", ids.get(LogIds.SESSION));
    assertEquals(turn, ids.get(LogIds.TURN));

    ILoggingEvent toolRetry = line("retrying", ToolCall.class.getName());
    Map<String, String> callIds = toolRetry.getMDCPropertyMap();
    assertEquals("ses_logged", callIds.get(LogIds.SESSION));
    assertEquals(turn, callIds.get(LogIds.TURN));
    assertEquals("call_0_0", callIds.get(LogIds.TOOL_CALL));
    assertFalse(
        toolRetry.getFormattedMessage().contains("busy"), "the tool's error text is not logged");
  }

  private ILoggingEvent line(String containing, String logger) {
    return lines.list.stream()
        .filter(e -> e.getLoggerName().equals(logger))
        .filter(e -> e.getFormattedMessage().contains(containing))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line from " + logger + " in " + lines.list));
  }
}

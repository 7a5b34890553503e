package io.statehouse.runtime.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.model.ModelClients;
import io.statehouse.runtime.model.scripted.ScriptedModelClient;
import io.statehouse.runtime.session.AgentSession.AwaitTurn;
import io.statehouse.runtime.session.AgentSession.Command;
import io.statehouse.runtime.session.AgentSession.Create;
import io.statehouse.runtime.session.AgentSession.SendMessage;
import io.statehouse.runtime.session.AgentSession.TurnAccepted;
import io.statehouse.runtime.session.AgentSession.TurnOutcome;
import io.statehouse.runtime.testing.RecordingDirectory;
import io.statehouse.runtime.testing.ScriptedTools;
import io.statehouse.runtime.testing.Specs;
import io.statehouse.runtime.tool.ArgumentValidator;
import io.statehouse.runtime.tool.ToolResult;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A session writes its list entry and usage figures (read sides) at most once per {@code
 * read-side-interval}: a short turn is listed once, when it ends; a long one is listed as running
 * once it has run the interval; back-to-back turns are coalesced into the latest entry; nothing
 * unwritten is left behind when the session stops.
 */
class ReadSideWritesTest {
  private static final Duration INTERVAL =
      Duration.ofSeconds(2); // longer than any turn here, even on a busy machine
  private static ActorTestKit testKit;

  private final ScriptedTools tools = new ScriptedTools();
  private final RecordingDirectory directory = new RecordingDirectory();
  private EventSourcedBehaviorTestKit<Command, SessionEvent, SessionState> session;
  private final SessionId id = new SessionId("acme", "ses_readsides");

  @BeforeAll
  static void start() {
    testKit =
        ActorTestKit.create(
            EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
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

  private void open() {
    SessionDeps deps =
        new SessionDeps(
            new ModelClients(Map.of("scripted", new ScriptedModelClient())),
            tools,
            new ArgumentValidator(),
            directory,
            Specs.sessionSettings().withReadSideInterval(INTERVAL),
            Clock.systemUTC());
    session =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            AgentSession.create(id, deps, null),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
    session.<StatusReply<SessionState>>runCommand(
        r ->
            new Create(
                Specs.ALICE,
                Specs.agent(
                    List.of("search"),
                    5,
                    true,
                    Specs.calls(Specs.call("search", "{\"q\":\"x\"}")),
                    Specs.text("done")),
                List.of(Specs.tool("search", true)),
                Map.of(),
                r));
  }

  private String send(String content) {
    return session
        .<StatusReply<TurnAccepted>>runCommand(r -> new SendMessage(Specs.ALICE, content, null, r))
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
  void aShortTurnIsListedOnceWhenItEndsAndNeverAsRunning() {
    open();
    assertEquals(List.of(SessionStatus.IDLE), directory.statuses(), "the new session, at once");

    String turn = send("one");
    assertEquals(TurnStatus.COMPLETED, await(turn).status());

    // the session was listed less than the interval ago: its turn's end is listed at its end
    TestProbe<Object> probe = testKit.createTestProbe();
    probe.awaitAssert(
        INTERVAL.multipliedBy(5),
        () -> {
          assertEquals(List.of(SessionStatus.IDLE, SessionStatus.IDLE), directory.statuses());
          return null;
        });
    assertEquals(turn, directory.last().entry().lastTurnId());
  }

  @Test
  void backToBackTurnsAreCoalescedIntoTheLatestEntryAtTheIntervalsEnd() {
    open();
    String last = null;
    for (int i = 0; i < 5; i++) {
      last = send("turn " + i);
      assertEquals(TurnStatus.COMPLETED, await(last).status());
    }
    // the first turn's end was written at once (nothing was written for the interval before it)
    assertTrue(directory.records().size() <= 3, "coalesced: " + directory.statuses());
    String latest = last;
    TestProbe<Object> probe = testKit.createTestProbe();
    probe.awaitAssert(
        INTERVAL.multipliedBy(5),
        () -> {
          assertEquals(latest, directory.last().entry().lastTurnId());
          assertEquals(SessionStatus.IDLE, directory.last().entry().status());
          return null;
        });
    assertTrue(directory.records().size() <= 4, "coalesced: " + directory.statuses());
  }

  @Test
  void aLongTurnIsListedAsRunningOnceItHasRunTheInterval() {
    tools.hold("search");
    open();
    String turn = send("slow");
    TestProbe<Object> probe = testKit.createTestProbe();
    probe.awaitAssert(
        INTERVAL.multipliedBy(5),
        () -> {
          assertEquals(SessionStatus.RUNNING, directory.last().entry().status());
          assertEquals(turn, directory.last().entry().lastTurnId());
          return null;
        });

    tools.release("search", new ToolResult.Success("{\"hits\":1}"));
    assertEquals(TurnStatus.COMPLETED, await(turn).status());
    probe.awaitAssert(
        INTERVAL.multipliedBy(5),
        () -> {
          assertEquals(SessionStatus.IDLE, directory.last().entry().status());
          return null;
        });
  }

  @Test
  void aSessionThatStopsWritesWhatItHadNotWrittenYet() {
    SessionDeps deps =
        new SessionDeps(
            new ModelClients(Map.of("scripted", new ScriptedModelClient())),
            tools,
            new ArgumentValidator(),
            directory,
            Specs.sessionSettings().withReadSideInterval(Duration.ofMinutes(1)),
            Clock.systemUTC());
    SessionId stopping = new SessionId("acme", "ses_readsides_stop");
    ActorRef<Command> ref = testKit.spawn(AgentSession.create(stopping, deps, null));
    TestProbe<StatusReply<SessionState>> created = testKit.createTestProbe();
    ref.tell(
        new Create(
            Specs.ALICE,
            Specs.agent(List.of(), 5, true, Specs.text("done")),
            List.of(),
            Map.of(),
            created.getRef()));
    assertTrue(created.receiveMessage().isSuccess());
    String last = null;
    for (int i = 0; i < 2; i++) {
      TestProbe<StatusReply<TurnAccepted>> accepted = testKit.createTestProbe();
      ref.tell(new SendMessage(Specs.ALICE, "turn " + i, null, accepted.getRef()));
      last = accepted.receiveMessage().getValue().turnId();
      TestProbe<StatusReply<TurnOutcome>> outcome = testKit.createTestProbe();
      ref.tell(new AwaitTurn(last, outcome.getRef()));
      assertEquals(TurnStatus.COMPLETED, outcome.receiveMessage().getValue().status());
    }
    String second = last;
    assertTrue(
        directory.records().stream().noneMatch(r -> second.equals(r.entry().lastTurnId())),
        "the second turn's end waits for the interval: " + directory.statuses());

    testKit.stop(ref);

    assertEquals(second, directory.last().entry().lastTurnId(), "written when it stopped");
    assertEquals(SessionStatus.IDLE, directory.last().entry().status());
  }
}

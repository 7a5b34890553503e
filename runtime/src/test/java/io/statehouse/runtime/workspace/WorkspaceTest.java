package io.statehouse.runtime.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.catalog.TeamSpec;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.AgentSession.TurnAccepted;
import io.statehouse.runtime.session.AgentSession.TurnOutcome;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.session.TurnStatus;
import io.statehouse.runtime.testing.Specs;
import io.statehouse.runtime.workspace.WorkspaceEvent.RunEnded;
import io.statehouse.runtime.workspace.WorkspaceState.MemberTurn;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The workspace entity with its members' sessions replaced by a recording port: what it delivers,
 * under which keys, when; what it decides when turns end; what it does after a restart.
 */
class WorkspaceTest {
  private static final ActorTestKit testKit =
      ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  private static final Principal ALICE = Specs.ALICE;
  private static final Principal MALLORY = new Principal("acme", "mallory", List.of("user"));
  private static final WorkspaceSettings SETTINGS =
      WorkspaceSettings.fromConfig(ConfigFactory.load());

  private final Members members = new Members();
  private EventSourcedBehaviorTestKit<Workspace.Command, WorkspaceEvent, WorkspaceState> ws;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @AfterEach
  void clear() {
    if (ws != null) {
      ws.clear();
    }
  }

  // ---- the members' sessions, recorded ---------------------------------------------------------

  /** One send to a member: to whom, what, under which key, and the turn it got. */
  record Sent(String session, String text, String key, String turnId) {}

  /** Records deliveries (each key gets one turn id, as a session's idempotency keys do). */
  static final class Members implements MemberSessions {
    final List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
    final Map<String, String> turnByKey = new ConcurrentHashMap<>();
    final List<String> closed = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger turns = new AtomicInteger();
    volatile Supplier<CompletionStage<TurnAccepted>> answer;
    // the workspace's asks after turns, answered when the test ends the turn with finish()
    final Map<String, CompletableFuture<TurnOutcome>> asks = new ConcurrentHashMap<>();

    /** Ends a turn as its session would: every ask after it, pending or later, answers. */
    void finish(TurnOutcome outcome) {
      asks.computeIfAbsent(outcome.turnId(), k -> new CompletableFuture<>()).complete(outcome);
    }

    @Override
    public CompletionStage<TurnAccepted> deliver(
        SessionId member, Principal owner, String text, String key, Duration timeout) {
      if (answer != null) {
        return answer.get();
      }
      String turn = turnByKey.computeIfAbsent(key, k -> "turn_" + turns.incrementAndGet());
      sent.add(new Sent(member.id(), text, key, turn));
      return CompletableFuture.completedFuture(new TurnAccepted(turn, false, false));
    }

    @Override
    public CompletionStage<TurnOutcome> awaitTurn(
        SessionId member, String turnId, Duration timeout) {
      // answers once the test ends the turn with finish(); most tests tell the workspace instead
      return asks.computeIfAbsent(turnId, k -> new CompletableFuture<>());
    }

    @Override
    public CompletionStage<Void> close(
        SessionId member, Principal owner, String reason, Duration timeout) {
      closed.add(member.id());
      return CompletableFuture.completedFuture(null);
    }

    List<Sent> to(String session) {
      synchronized (sent) {
        return sent.stream().filter(s -> s.session().equals(session)).toList();
      }
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static final List<Seat> SEATS =
      List.of(
          new Seat("researcher", "researcher", 1, "ses_r"),
          new Seat("compliance", "checker", 1, "ses_c"),
          new Seat("summarizer", "summarizer", 1, "ses_s"));

  private static TeamSpec team(
      TeamSpec.Pattern pattern, TeamSpec.Done done, TeamSpec.TeamLimits l) {
    return new TeamSpec(
        "research",
        1,
        null,
        List.of(
            new TeamSpec.Member("researcher", "researcher"),
            new TeamSpec.Member("compliance", "checker"),
            new TeamSpec.Member("summarizer", "summarizer")),
        "researcher",
        pattern,
        done,
        l);
  }

  private WorkspaceState start(TeamSpec team) {
    ws =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            Workspace.create(
                new WorkspaceId("acme", "ws_1"),
                new WorkspaceDeps(
                    members,
                    SETTINGS,
                    Clock.systemUTC(),
                    WorkspaceConditions.fromConfig(ConfigFactory.load())),
                null),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
    StatusReply<WorkspaceState> reply =
        ws.<StatusReply<WorkspaceState>>runCommand(
                r -> new Workspace.StartRun(ALICE, "run_1", team, SEATS, "topic: tides", r))
            .reply();
    assertTrue(reply.isSuccess(), () -> String.valueOf(reply.getError()));
    return reply.getValue();
  }

  private StatusReply<String> op(String role, String session, String turn, String op, String in) {
    return ws.<StatusReply<String>>runCommand(
            r ->
                new Workspace.Op(
                    op,
                    role,
                    session,
                    turn,
                    turn + ":" + op + ":" + in.hashCode(),
                    Specs.json(in),
                    r))
        .reply();
  }

  private void ended(String session, String turnId, TurnStatus status, String output) {
    ws.runCommand(
        new Workspace.TurnEnded(
            session,
            new TurnOutcome(
                turnId,
                status,
                output,
                status == TurnStatus.FAILED ? "tool_failed" : null,
                status == TurnStatus.FAILED ? "it broke" : null,
                new Usage(10, 5, new BigDecimal("0.25")),
                List.of(),
                null)));
  }

  /** Waits (briefly) for the asynchronous sends and answers to land. */
  private static void eventually(Runnable check) {
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      try {
        check.run();
        return;
      } catch (AssertionError e) {
        if (System.nanoTime() > until) {
          throw e;
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private Sent awaitOne(String session, int index) {
    eventually(() -> assertTrue(members.to(session).size() > index, "no delivery to " + session));
    Sent s = members.to(session).get(index);
    eventually(() -> assertNotNull(ws.getState().turns().get(s.turnId()), "delivery not recorded"));
    return s;
  }

  // ---- tests ----------------------------------------------------------------------------------

  @Test
  void deliversTheInputToTheEntryRoleUnderAKeyOfItsOwnAndRecordsTheTurn() {
    start(team(new TeamSpec.Pipeline(List.of()), null, null));
    Sent first = awaitOne("ses_r", 0);
    assertTrue(first.text().contains("topic: tides"));
    assertTrue(first.key().startsWith("workspace:ws_1:dlv_"));
    assertEquals(1, members.sent.size());
    WorkspaceState s = ws.getState();
    assertEquals(1, s.turns().get(first.turnId()).round());
    assertTrue(s.pendingDeliveries().isEmpty());
  }

  @Test
  void pipelinePassesEachRolesArtifactToTheNextAndIsDoneAfterTheLast() {
    start(team(new TeamSpec.Pipeline(List.of()), null, null));
    Sent r = awaitOne("ses_r", 0);
    assertTrue(
        op(
                "researcher",
                "ses_r",
                r.turnId(),
                "workspace_put_artifact",
                "{\"name\":\"findings\",\"content\":\"tides follow the moon\",\"expectedVersion\":0}")
            .isSuccess());
    ended("ses_r", r.turnId(), TurnStatus.COMPLETED, "gathered");
    Sent c = awaitOne("ses_c", 0);
    assertTrue(c.text().contains("## findings (version 1)"), c.text());
    assertTrue(c.text().contains("tides follow the moon"));
    op(
        "compliance",
        "ses_c",
        c.turnId(),
        "workspace_put_artifact",
        "{\"name\":\"review\",\"content\":\"ok\",\"expectedVersion\":0}");
    ended("ses_c", c.turnId(), TurnStatus.COMPLETED, "reviewed");
    Sent sum = awaitOne("ses_s", 0);
    assertTrue(sum.text().contains("## review (version 1)"));
    assertEquals(3, ws.getState().turns().get(sum.turnId()).round());
    ended("ses_s", sum.turnId(), TurnStatus.COMPLETED, "report");
    WorkspaceState s = ws.getState();
    assertEquals(RunStatus.DONE, s.status());
    assertEquals(new BigDecimal("0.75"), s.usage().costUsd());
    eventually(() -> assertEquals(3, members.closed.size()));
    eventually(() -> assertTrue(ws.getState().membersClosed()));
    // one turn each, and nothing more
    assertEquals(3, members.sent.size());
  }

  /**
   * The member's turn writes to the workspace before the session's answer to the delivery arrives
   * (they travel different paths), so the workspace first sees it as a turn that joined. Its end is
   * not decided until the answer says whose turn it is: the pipeline then goes on as for any step.
   */
  @Test
  void aPipelineStepWhoseWriteOvertakesTheDeliveryAnswerStillHandsOn() {
    CompletableFuture<TurnAccepted> answer = new CompletableFuture<>();
    members.answer = () -> answer;
    start(team(new TeamSpec.Pipeline(List.of()), null, null));
    assertTrue(
        op(
                "researcher",
                "ses_r",
                "turn_early",
                "workspace_put_artifact",
                "{\"name\":\"findings\",\"content\":\"moon\",\"expectedVersion\":0}")
            .isSuccess());
    TurnOutcome outcome =
        new TurnOutcome(
            "turn_early",
            TurnStatus.COMPLETED,
            "gathered",
            null,
            null,
            new Usage(10, 5, BigDecimal.ZERO),
            List.of(),
            null);
    // the session tells the workspace, and answers its ask after the turn, as the turn ends
    ws.runCommand(new Workspace.TurnEnded("ses_r", outcome));
    members.finish(outcome);
    // not decided as a joined turn: nothing ended, the run goes on
    assertNull(ws.getState().turns().get("turn_early").status());
    assertEquals(RunStatus.RUNNING, ws.getState().status());

    members.answer = null;
    answer.complete(new TurnAccepted("turn_early", false, false));
    Sent c = awaitOne("ses_c", 0);
    assertTrue(c.text().contains("## findings (version 1)"), c.text());
    MemberTurn step = ws.getState().turns().get("turn_early");
    assertEquals(TurnStatus.COMPLETED, step.status());
    assertTrue(step.pipelineStep());
    assertEquals(RunStatus.RUNNING, ws.getState().status());
  }

  @Test
  void aFailedPipelineStepFailsTheRunWithTheRoleAndReason() {
    start(team(new TeamSpec.Pipeline(List.of()), null, null));
    Sent r = awaitOne("ses_r", 0);
    ended("ses_r", r.turnId(), TurnStatus.FAILED, null);
    WorkspaceState s = ws.getState();
    assertEquals(RunStatus.FAILED, s.status());
    assertTrue(s.reason().contains("researcher") && s.reason().contains("tool_failed"), s.reason());
  }

  @Test
  void aStaleExpectedVersionIsRefusedWithTheCurrentVersionAndWritesNothing() {
    start(team(new TeamSpec.Pipeline(List.of()), null, null));
    Sent r = awaitOne("ses_r", 0);
    assertTrue(
        op(
                "researcher",
                "ses_r",
                r.turnId(),
                "workspace_put_artifact",
                "{\"name\":\"draft\",\"content\":\"a\",\"expectedVersion\":0}")
            .isSuccess());
    StatusReply<String> stale =
        op(
            "researcher",
            "ses_r",
            r.turnId(),
            "workspace_put_artifact",
            "{\"name\":\"draft\",\"content\":\"b\",\"expectedVersion\":0}");
    assertTrue(stale.isError());
    Rejection why = (Rejection) stale.getError();
    assertEquals("stale_version", why.code());
    assertTrue(why.getMessage().contains("version 1"), why.getMessage());
    assertEquals("a", ws.getState().artifacts().get("draft").content());
    assertTrue(
        op(
                "researcher",
                "ses_r",
                r.turnId(),
                "workspace_put_artifact",
                "{\"name\":\"draft\",\"content\":\"b\",\"expectedVersion\":1}")
            .isSuccess());
    assertEquals(2, ws.getState().artifacts().get("draft").version());
  }

  @Test
  void aCallRunAgainWithItsKeyGetsTheSameAnswerAndWritesNothingMore() {
    start(team(new TeamSpec.Pipeline(List.of()), null, null));
    Sent r = awaitOne("ses_r", 0);
    String in = "{\"name\":\"draft\",\"content\":\"a\",\"expectedVersion\":0}";
    String first = op("researcher", "ses_r", r.turnId(), "workspace_put_artifact", in).getValue();
    long events = ws.getState().artifactLog().size();
    String again = op("researcher", "ses_r", r.turnId(), "workspace_put_artifact", in).getValue();
    assertEquals(first, again);
    assertEquals(events, ws.getState().artifactLog().size());
  }

  @Test
  void aSessionThatDoesNotPlayTheRoleIsRefused() {
    start(team(new TeamSpec.Pipeline(List.of()), null, null));
    Sent r = awaitOne("ses_r", 0);
    StatusReply<String> reply =
        op("researcher", "ses_c", r.turnId(), "workspace_post", "{\"text\":\"hi\"}");
    assertEquals("not_a_member", ((Rejection) reply.getError()).code());
    assertTrue(ws.getState().posts().isEmpty());
  }

  @Test
  void postsReachTheirRoleOnlyWhenTheAuthorsTurnEndsMergedIntoOneTurn() {
    start(
        team(
            new TeamSpec.Blackboard(
                List.of(new TeamSpec.Rule(TeamSpec.On.ARTIFACT, "x", null, "summarizer"))),
            null,
            new TeamSpec.TeamLimits(5, null, null, null)));
    Sent r = awaitOne("ses_r", 0);
    op(
        "researcher",
        "ses_r",
        r.turnId(),
        "workspace_post",
        "{\"text\":\"one\",\"to\":\"compliance\"}");
    op(
        "researcher",
        "ses_r",
        r.turnId(),
        "workspace_post",
        "{\"text\":\"two\",\"to\":\"compliance\"}");
    assertTrue(members.to("ses_c").isEmpty(), "delivered before the author's turn ended");
    ended("ses_r", r.turnId(), TurnStatus.COMPLETED, "posted");
    Sent c = awaitOne("ses_c", 0);
    assertTrue(c.text().contains("one") && c.text().contains("two"), c.text());
    assertEquals(1, members.to("ses_c").size());
    assertEquals(2, ws.getState().turns().get(c.turnId()).round());
  }

  @Test
  void aBlackboardLoopStopsAtMaxRoundsWithTheReasonRecorded() {
    TeamSpec loop =
        team(
            new TeamSpec.Blackboard(
                List.of(
                    new TeamSpec.Rule(TeamSpec.On.ARTIFACT, "draft", "researcher", "compliance"),
                    new TeamSpec.Rule(TeamSpec.On.POST, null, "compliance", "researcher"))),
            null,
            new TeamSpec.TeamLimits(4, null, null, null));
    start(loop);
    int version = 0;
    for (int round = 1; ; round++) {
      Sent r = awaitOne("ses_r", (round - 1) / 2);
      if (round % 2 == 1) {
        op(
            "researcher",
            "ses_r",
            r.turnId(),
            "workspace_put_artifact",
            "{\"name\":\"draft\",\"content\":\"v\",\"expectedVersion\":" + version++ + "}");
        ended("ses_r", r.turnId(), TurnStatus.COMPLETED, "drafted");
      } else {
        Sent c = awaitOne("ses_c", round / 2 - 1);
        op(
            "compliance",
            "ses_c",
            c.turnId(),
            "workspace_post",
            "{\"text\":\"again " + round + "\"}");
        ended("ses_c", c.turnId(), TurnStatus.COMPLETED, "critiqued");
      }
      if (!ws.getState().running()) {
        assertEquals(4, round, "rounds run");
        break;
      }
      assertTrue(round < 10, "the loop did not stop");
    }
    WorkspaceState s = ws.getState();
    assertEquals(RunStatus.LIMIT_REACHED, s.status());
    assertTrue(s.reason().contains("maxRounds 4"), s.reason());
    assertEquals(4, s.turnsGiven());
  }

  @Test
  void theMembersSummedCostOverMaxCostEndsTheRun() {
    start(
        team(
            new TeamSpec.Supervisor(List.of()),
            null,
            new TeamSpec.TeamLimits(null, 50, new BigDecimal("0.40"), null)));
    Sent r = awaitOne("ses_r", 0);
    op(
        "researcher",
        "ses_r",
        r.turnId(),
        "workspace_handoff",
        "{\"to\":\"compliance\",\"title\":\"check\"}");
    ended("ses_r", r.turnId(), TurnStatus.COMPLETED, "delegated");
    Sent c = awaitOne("ses_c", 0);
    assertTrue(c.text().contains("Task task_"), c.text());
    ended("ses_c", c.turnId(), TurnStatus.COMPLETED, "checked");
    WorkspaceState s = ws.getState();
    assertEquals(RunStatus.LIMIT_REACHED, s.status());
    assertTrue(s.reason().contains("maxCostUsd 0.40"), s.reason());
    // the supervisor's report was never delivered
    assertEquals(1, members.to("ses_r").size());
  }

  @Test
  void aSupervisorHearsFromEachDelegateAndOnlyItHandsOff() {
    start(
        team(
            new TeamSpec.Supervisor(List.of("compliance")),
            new TeamSpec.Done("report", null),
            new TeamSpec.TeamLimits(null, 10, null, null)));
    Sent r = awaitOne("ses_r", 0);
    StatusReply<String> notDelegate =
        op(
            "researcher",
            "ses_r",
            r.turnId(),
            "workspace_handoff",
            "{\"to\":\"summarizer\",\"title\":\"x\"}");
    assertEquals("not_a_delegate", ((Rejection) notDelegate.getError()).code());
    String task =
        op(
                "researcher",
                "ses_r",
                r.turnId(),
                "workspace_handoff",
                "{\"to\":\"compliance\",\"title\":\"check it\"}")
            .getValue();
    ended("ses_r", r.turnId(), TurnStatus.COMPLETED, "delegated");
    Sent c = awaitOne("ses_c", 0);
    String taskId = Specs.json(task).get("taskId").asText();
    assertEquals(
        "not_the_supervisor",
        ((Rejection)
                op(
                        "compliance",
                        "ses_c",
                        c.turnId(),
                        "workspace_handoff",
                        "{\"to\":\"summarizer\",\"title\":\"y\"}")
                    .getError())
            .code());
    assertTrue(
        op(
                "compliance",
                "ses_c",
                c.turnId(),
                "workspace_complete_task",
                "{\"taskId\":\"" + taskId + "\",\"result\":\"all clear\"}")
            .isSuccess());
    ended("ses_c", c.turnId(), TurnStatus.COMPLETED, "checked it");
    Sent report = awaitOne("ses_r", 1);
    assertTrue(report.text().contains("compliance ended its turn: completed"), report.text());
    assertTrue(report.text().contains("all clear"), report.text());
    op(
        "researcher",
        "ses_r",
        report.turnId(),
        "workspace_put_artifact",
        "{\"name\":\"report\",\"content\":\"done\",\"expectedVersion\":0}");
    ended("ses_r", report.turnId(), TurnStatus.COMPLETED, "final");
    assertEquals(RunStatus.DONE, ws.getState().status());
  }

  @Test
  void aCelDoneConditionEndsTheRunWhenItHolds() {
    start(
        team(
            new TeamSpec.Blackboard(
                List.of(new TeamSpec.Rule(TeamSpec.On.POST, null, null, "compliance"))),
            new TeamSpec.Done(null, "has(artifacts.report) && artifacts.report.version >= 2"),
            new TeamSpec.TeamLimits(10, null, null, null)));
    Sent r = awaitOne("ses_r", 0);
    op(
        "researcher",
        "ses_r",
        r.turnId(),
        "workspace_put_artifact",
        "{\"name\":\"report\",\"content\":\"1\",\"expectedVersion\":0}");
    op("researcher", "ses_r", r.turnId(), "workspace_post", "{\"text\":\"look\"}");
    ended("ses_r", r.turnId(), TurnStatus.COMPLETED, "v1");
    assertTrue(ws.getState().running());
    Sent c = awaitOne("ses_c", 0);
    op(
        "compliance",
        "ses_c",
        c.turnId(),
        "workspace_put_artifact",
        "{\"name\":\"report\",\"content\":\"2\",\"expectedVersion\":1}");
    ended("ses_c", c.turnId(), TurnStatus.COMPLETED, "v2");
    assertEquals(RunStatus.DONE, ws.getState().status());
  }

  @Test
  void afterARestartAnUnacceptedDeliveryIsSentAgainUnderTheSameKey() {
    // the first answer never comes: the delivery is persisted but not yet accepted
    members.answer = CompletableFuture::new;
    start(team(new TeamSpec.Pipeline(List.of()), null, null));
    String pending = ws.getState().pendingDeliveries().get(0).id();
    members.answer = null;
    ws.restart();
    Sent again = awaitOne("ses_r", 0);
    assertEquals("workspace:ws_1:" + pending, again.key());
    assertTrue(ws.getState().pendingDeliveries().isEmpty());
  }

  @Test
  void aMemberSessionThatRefusesForGoodFailsTheRun() {
    members.answer =
        () ->
            CompletableFuture.failedFuture(
                new Rejection("session_closed", "the session is closed"));
    start(team(new TeamSpec.Pipeline(List.of()), null, null));
    eventually(() -> assertEquals(RunStatus.FAILED, ws.getState().status()));
    assertTrue(ws.getState().reason().contains("session_closed"));
  }

  @Test
  void cancelEndsTheRunAndClosesEveryMemberButOnlyForTheOwner() {
    start(team(new TeamSpec.Pipeline(List.of()), null, null));
    awaitOne("ses_r", 0);
    StatusReply<WorkspaceState> refused =
        ws.<StatusReply<WorkspaceState>>runCommand(r -> new Workspace.CancelRun(MALLORY, r))
            .reply();
    assertEquals("forbidden", ((Rejection) refused.getError()).code());
    assertTrue(ws.getState().running());
    var cancelled =
        ws.<StatusReply<WorkspaceState>>runCommand(r -> new Workspace.CancelRun(ALICE, r));
    assertEquals(RunStatus.CANCELLED, cancelled.reply().getValue().status());
    assertTrue(cancelled.events().stream().anyMatch(e -> e instanceof RunEnded));
    eventually(() -> assertEquals(3, members.closed.size()));
    assertFalse(
        op("researcher", "ses_r", "turn_1", "workspace_post", "{\"text\":\"late\"}").isSuccess());
  }
}

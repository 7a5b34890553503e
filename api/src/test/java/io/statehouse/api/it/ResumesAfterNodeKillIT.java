package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.statehouse.persistence.cassandra.launcher.FreePorts;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.model.bedrock.FakeBedrock;
import io.statehouse.runtime.model.bedrock.FakeBedrock.Reply;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.testing.LocalHttpServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node is killed with SIGKILL in the middle of a turn; another node is started on the same
 * journal. Nobody sends the session anything: the runtime restarts it (remembered entity) and it
 * resumes from its last checkpoint. The test watches the journal directly, so no request wakes the
 * session, and counts how often each tool endpoint was hit.
 */
@ExtendWith(CassandraExtension.class)
class ResumesAfterNodeKillIT {
  private static final Duration NODE_START = Duration.ofSeconds(120);
  private static final Duration RESUME = Duration.ofSeconds(90);
  private static final long SLOW_TOOL_MS = 4_000;

  /** The default AWS credentials chain of the node reads these; nothing here is real. */
  private static final List<String> AWS_TEST_CREDENTIALS =
      List.of("-Daws.accessKeyId=AKIDLOCALTEST", "-Daws.secretAccessKey=local-test-secret");

  private static LocalHttpServer tools;
  private static FakeBedrock bedrock;
  private static int httpPort;
  private static Config overrides;
  private static JournalProbe journal;
  private static Api api;

  @BeforeAll
  static void setUp(CassandraTestKeyspaces keyspaces) throws Exception {
    tools =
        new LocalHttpServer()
            .on("/report", (ex, body) -> slowly(ex, "{\"report\":\"Q3 up 12%\"}"))
            .on("/payment", (ex, body) -> slowly(ex, "{\"paid\":true}"));
    bedrock = FakeBedrock.start();
    httpPort = FreePorts.pick(1)[0];
    overrides =
        NodeConfig.overrides(
            keyspaces,
            httpPort,
            "statehouse.models.bedrock { region = us-east-1, endpoint = \""
                + bedrock.endpoint()
                + "\" }");
    journal = new JournalProbe(keyspaces);
    api = new Api("127.0.0.1", httpPort);
  }

  @AfterAll
  static void tearDown() {
    tools.close();
    bedrock.close();
    journal.close();
  }

  private static void slowly(com.sun.net.httpserver.HttpExchange ex, String answer)
      throws java.io.IOException {
    try {
      Thread.sleep(SLOW_TOOL_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LocalHttpServer.respond(ex, 200, answer);
  }

  private static long hits(String path) {
    return tools.seen().stream().filter(s -> s.path().equals(path)).count();
  }

  private static List<String> keys(String path) {
    return tools.seen().stream()
        .filter(s -> s.path().equals(path))
        .map(s -> s.headers().getFirst("Idempotency-Key"))
        .toList();
  }

  /** Starts a turn without waiting for it; returns the session. */
  private static SessionId startTurn(String agent) {
    String id = api.openSession(ACME_ALICE, agent);
    Api.Response accepted =
        api.post("/v1/sessions/" + id + "/messages?wait=0", ACME_ALICE, "{\"content\":\"go\"}");
    assertEquals(202, accepted.status(), accepted.raw());
    return new SessionId("acme", id);
  }

  /**
   * A Bedrock answer is streaming when the node dies: nothing of it is recorded, and the node that
   * takes over calls the model again with the same conversation, by itself.
   */
  @Test
  void aBedrockCallKilledMidStreamIsIssuedAgainWithTheSameConversationAndTheTurnCompletes()
      throws Exception {
    bedrock.enqueue(Reply.text("An answer that the crash cuts off half way").stallAfter(4));
    SessionId session;
    try (NodeProcess first =
        NodeProcess.start("stream-first", overrides, httpPort, NODE_START, AWS_TEST_CREDENTIALS)) {
      api.putAgent(
          ACME_ALICE,
          "streamer",
          "{\"instructions\":\"Answer.\",\"model\":{\"provider\":\"bedrock\","
              + "\"id\":\"test.streamer-v1:0\",\"maxTokens\":100}}");
      session = startTurn("streamer");
      Eventually.await(
          Duration.ofSeconds(30), "the answer is streaming", () -> bedrock.requestCount() == 1);
      Thread.sleep(1_000);
      first.kill();
    }
    assertFalse(
        journal.eventTypes(session).contains("ModelReplied"), "killed while the answer streamed");
    bedrock.enqueue(Reply.text("The whole answer."));

    try (NodeProcess second =
        NodeProcess.start("stream-second", overrides, httpPort, NODE_START, AWS_TEST_CREDENTIALS)) {
      Eventually.await(
          RESUME,
          "the turn completes after the restart",
          () -> journal.count(session, "TurnCompleted") == 1);
      List<String> types = journal.eventTypes(session);
      assertTrue(types.contains("TurnResumed"), types.toString());
      assertEquals(
          1,
          journal.count(session, "ModelCallStarted"),
          "the same step is resumed, not recorded again");
      assertEquals(1, journal.count(session, "ModelReplied"));
      List<FakeBedrock.Recorded> calls = bedrock.requests();
      assertEquals(2, calls.size());
      assertEquals("converse-stream", calls.get(1).operation());
      assertEquals(
          calls.get(0).body().path("messages"),
          calls.get(1).body().path("messages"),
          "the resumed call sends the same conversation");
      JsonNode state = api.get("/v1/sessions/" + session.id(), ACME_ALICE).body();
      assertEquals("idle", state.path("status").asText());
      JsonNode messages = state.path("messages");
      assertEquals("The whole answer.", messages.get(messages.size() - 1).path("content").asText());
    }
  }

  @Test
  void anIdempotentToolCallInFlightRunsAgainWithTheSameIdempotencyKeyAfterSigkill()
      throws Exception {
    SessionId session;
    try (NodeProcess first =
        NodeProcess.start("idempotent-first", overrides, httpPort, NODE_START)) {
      api.putTool(ACME_ALICE, "build_report", Defs.tool(tools.url("/report"), true, "20s"));
      api.putAgent(
          ACME_ALICE,
          "reporter",
          Defs.agent(
              "[\"build_report\"]",
              "[" + Defs.call("build_report", "Q3") + "," + Defs.text("Report ready.") + "]",
              false,
              null));
      session = startTurn("reporter");
      Eventually.await(Duration.ofSeconds(30), "the tool is called", () -> hits("/report") == 1);
      first.kill();
    }
    assertFalse(
        journal.eventTypes(session).contains("ToolCallSucceeded"),
        "killed while the tool was working");

    try (NodeProcess second =
        NodeProcess.start("idempotent-second", overrides, httpPort, NODE_START)) {
      Eventually.await(
          RESUME,
          "the turn completes after the restart",
          () -> journal.count(session, "TurnCompleted") == 1);
      assertEquals(2, hits("/report"), "run once before the kill and once after");
      List<String> keys = keys("/report");
      assertEquals(keys.get(0), keys.get(1), "both runs carry the same Idempotency-Key");
      assertTrue(keys.get(0).matches(session.id() + "/turn_[0-9a-f]+/1/call_0_0"), keys.get(0));
      assertEquals(2, journal.count(session, "ToolCallStarted"));
      assertEquals(1, journal.count(session, "TurnResumed"));
      JsonNode state = api.get("/v1/sessions/" + session.id(), ACME_ALICE).body();
      assertEquals("idle", state.path("status").asText());
    }
  }

  @Test
  void aNonIdempotentToolCallInFlightIsNeverRunTwiceAndTheSessionNeedsAHumanDecision()
      throws Exception {
    SessionId session;
    try (NodeProcess first = NodeProcess.start("payment-first", overrides, httpPort, NODE_START)) {
      api.putTool(ACME_ALICE, "pay", Defs.tool(tools.url("/payment"), false, "20s"));
      api.putAgent(
          ACME_ALICE,
          "payer",
          Defs.agent(
              "[\"pay\"]",
              "[" + Defs.call("pay", "100 EUR") + "," + Defs.text("Paid.") + "]",
              false,
              null));
      session = startTurn("payer");
      Eventually.await(Duration.ofSeconds(30), "the payment is sent", () -> hits("/payment") == 1);
      first.kill();
    }

    try (NodeProcess second =
        NodeProcess.start("payment-second", overrides, httpPort, NODE_START)) {
      Eventually.await(
          RESUME,
          "the unknown outcome is recorded",
          () -> journal.count(session, "ToolCallOutcomeUnknown") == 1);
      // give a wrong implementation every chance to send the payment again
      Thread.sleep(SLOW_TOOL_MS + 1_000);
      assertEquals(1, hits("/payment"), "the payment endpoint was hit exactly once");
      assertEquals(1, journal.count(session, "ToolCallStarted"));
      assertFalse(journal.eventTypes(session).contains("TurnCompleted"));

      JsonNode state = api.get("/v1/sessions/" + session.id(), ACME_ALICE).body();
      assertEquals("needs_decision", state.path("status").asText());
      JsonNode approval = state.path("approvals").get(0);
      assertEquals("pay", approval.path("tool").asText());
      assertEquals("outcome_unknown", approval.path("kind").asText());
      assertEquals("100 EUR", approval.path("input").path("q").asText());

      Api.Response blocked =
          api.post(
              "/v1/sessions/" + session.id() + "/messages",
              ACME_ALICE,
              "{\"content\":\"and now?\"}");
      assertEquals(409, blocked.status());
      assertEquals("needs_decision", blocked.errorCode());
      assertEquals(
          state.path("currentTurn").path("turnId").asText(),
          blocked.body().path("error").path("turnId").asText());
    }
  }

  /**
   * A client watches a session of an agent that queues messages; two messages wait behind a turn
   * whose tool is working when the node is killed. On the restarted node the client resumes with
   * Last-Event-ID: between its two streams it sees every event exactly once, and the queued
   * messages, kept in the journal, run after the resumed turn, in order.
   */
  @Test
  void aStreamResumedWithLastEventIdAndQueuedMessagesCarryOverASigkill() throws Exception {
    SessionId session;
    List<StreamClient.Frame> seen = new ArrayList<>();
    try (NodeProcess first = NodeProcess.start("live-first", overrides, httpPort, NODE_START)) {
      api.putTool(ACME_ALICE, "slow_report", Defs.tool(tools.url("/report"), true, "20s"));
      api.putAgent(
          ACME_ALICE,
          "queued_reporter",
          Defs.agent(
                  "[\"slow_report\"]",
                  "[" + Defs.call("slow_report", "Q") + "," + Defs.text("Ready.") + "]",
                  true,
                  null)
              .replace("\"limits\"", "\"multitask\":\"enqueue\",\"limits\""));
      String id = api.openSession(ACME_ALICE, "queued_reporter");
      session = new SessionId("acme", id);
      try (StreamClient sse =
          StreamClient.sse(httpPort, "/v1/sessions/" + id + "/stream", ACME_ALICE, null)) {
        long reportsBefore = hits("/report");
        for (String content : List.of("first", "second", "third")) {
          Api.Response r =
              api.post(
                  "/v1/sessions/" + id + "/messages?wait=0",
                  ACME_ALICE,
                  "{\"content\":\"" + content + "\"}");
          assertEquals(202, r.status(), r.raw());
        }
        seen.addAll(sse.untilEvent("ToolCallStarted", Duration.ofSeconds(30)));
        Eventually.await(
            Duration.ofSeconds(30), "the tool is called", () -> hits("/report") > reportsBefore);
        first.kill();
        sse.endedWithin(Duration.ofSeconds(10));
        seen.addAll(sse.drain());
      }
    }
    assertEquals(2, journal.count(session, "MessageQueued"));
    long last =
        seen.stream()
            .filter(StreamClient.Frame::isEvent)
            .mapToLong(StreamClient.Frame::seq)
            .max()
            .orElseThrow();

    try (NodeProcess second = NodeProcess.start("live-second", overrides, httpPort, NODE_START);
        StreamClient again =
            StreamClient.sse(
                httpPort, "/v1/sessions/" + session.id() + "/stream", ACME_ALICE, last)) {
      int[] completed = {0};
      seen.addAll(
          again.until(
              f -> f.isEvent() && f.eventType().equals("TurnCompleted") && ++completed[0] == 3,
              RESUME));

      List<Long> seqs =
          seen.stream().filter(StreamClient.Frame::isEvent).map(StreamClient.Frame::seq).toList();
      assertEquals(
          java.util.stream.LongStream.rangeClosed(1, seqs.size()).boxed().toList(),
          seqs,
          "every event once, in order, across the kill");
      assertEquals(journal.eventTypes(session).size(), seqs.size());
      assertEquals(2, journal.count(session, "QueuedTurnStarted"));
      assertEquals(1, journal.count(session, "TurnResumed"));
      JsonNode messages =
          api.get("/v1/sessions/" + session.id(), ACME_ALICE).body().path("messages");
      List<String> users = new ArrayList<>();
      messages.forEach(
          m -> {
            if (m.path("role").asText().equals("user")) {
              users.add(m.path("content").asText());
            }
          });
      assertEquals(List.of("first", "second", "third"), users);
    }
  }
}

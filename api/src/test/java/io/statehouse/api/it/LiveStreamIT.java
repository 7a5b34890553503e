package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static io.statehouse.api.it.ItKeys.ACME_BOB;
import static io.statehouse.api.it.ItKeys.GLOBEX_CAROL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.api.StatehouseNode;
import io.statehouse.api.it.StreamClient.Frame;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.testing.LocalHttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Live sessions over real HTTP on the real Cassandra: SSE and WebSocket clients watching turns with
 * tool calls as they happen, resuming mid-turn, a stalled client dropped while another keeps up,
 * messages, approvals and cancel sent over a WebSocket, busy sessions, and who may watch what.
 */
@ExtendWith(CassandraExtension.class)
class LiveStreamIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  // the slow tool answers once the test lets it
  private static final CountDownLatch slowTool = new CountDownLatch(1);
  private static LocalHttpServer tools;
  private static StatehouseNode node;
  private static Api api;

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    tools =
        new LocalHttpServer()
            .on("/search", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"hits\":3}"))
            .on(
                "/slow",
                (ex, body) -> {
                  try {
                    slowTool.await(30, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  LocalHttpServer.respond(ex, 200, "{\"done\":true}");
                })
            .on("/refund", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"refund\":\"r-1\"}"));
    node =
        StatehouseNode.start(
            NodeConfig.full(
                keyspaces,
                0,
                // small buffers everywhere, so that a stalled client overflows within one turn
                // instead of parking megabytes in the kernel's socket buffers
                "statehouse.api.streams { client-buffer = 16, client-buffer-chars = 128K, heartbeat"
                    + " = 1s, stalled-after = 15s }\n"
                    + "pekko.http.server.socket-options.so-send-buffer-size = 16K"));
    api = new Api("127.0.0.1", node.port());
    api.putTool(ACME_ALICE, "search", Defs.tool(tools.url("/search"), true, "5s"));
    api.putTool(ACME_ALICE, "slow", Defs.tool(tools.url("/slow"), true, "40s"));
    api.putTool(ACME_ALICE, "refund", Defs.tool(tools.url("/refund"), false, "5s"));
    api.putAgent(
        ACME_ALICE,
        "researcher",
        Defs.agent(
            "[\"search\"]",
            "["
                + Defs.call("search", "pekko")
                + ","
                + Defs.text("Pekko has three hits in the index today.")
                + "]",
            false,
            300L));
    api.putAgent(
        ACME_ALICE,
        "waiter",
        Defs.agent(
            "[\"slow\"]",
            "[" + Defs.call("slow", "x") + "," + Defs.text("done") + "]",
            true,
            null));
    // 4000 deltas, 240,000 characters over about 4 s: a client reading normally stays well within
    // its 128K characters of buffer (two seconds behind), a stalled one cannot
    api.putAgent(
        ACME_ALICE,
        "chatter",
        // 4,000 pieces over 8 s: far more than a stalled client's buffer holds, at a pace (500 a
        // second) a reading client keeps up with on a loaded CI machine
        Defs.agent("[]", "[" + Defs.text(longWords(4000)) + "]", true, 8000L));
    api.putAgent(
        ACME_ALICE,
        "refunds",
        "{\"description\":\"refund desk\",\"instructions\":\"Refund.\","
            + "\"model\":{\"provider\":\"scripted\",\"loop\":true,\"script\":["
            + Defs.call("refund", "o-7")
            + ","
            + Defs.text("Refunded.")
            + "]},\"tools\":[\"refund\"],"
            + "\"policies\":[{\"tool\":\"refund\",\"when\":\"true\",\"effect\":\"require_approval\","
            + "\"approvers\":[\"approver\"]}],\"limits\":{\"maxStepsPerTurn\":6}}");
  }

  @AfterAll
  static void stop() {
    slowTool.countDown();
    if (node != null) {
      node.close();
    }
    if (tools != null) {
      tools.close();
    }
  }

  private static String words(int n) {
    return LongStream.range(0, n).mapToObj(i -> "w" + i).collect(Collectors.joining(" "));
  }

  /** n words of 60 characters each. */
  private static String longWords(int n) {
    return LongStream.range(0, n)
        .mapToObj(i -> String.format("w%059d", i))
        .collect(Collectors.joining(" "));
  }

  private static String stream(String session) {
    return "/v1/sessions/" + session + "/stream";
  }

  private static void assertConsecutive(List<Frame> frames, long first) {
    List<Long> seqs = frames.stream().filter(Frame::isEvent).map(Frame::seq).toList();
    List<Long> expected = LongStream.range(first, first + seqs.size()).boxed().toList();
    assertEquals(expected, seqs, "each event once, in order, without gaps");
  }

  @Test
  void anSseClientSeesAWholeTurnWithToolCallsLiveInOrderWithTheAnswersDeltas() throws Exception {
    String session = api.openSession(ACME_ALICE, "researcher");
    try (StreamClient sse = StreamClient.sse(node.port(), stream(session), ACME_ALICE, null)) {
      assertEquals(200, sse.status());
      api.post(
          "/v1/sessions/" + session + "/messages?wait=0",
          ACME_ALICE,
          "{\"content\":\"find pekko\"}");

      List<Frame> frames = sse.untilEvent("TurnCompleted", WAIT);

      assertConsecutive(frames, 1);
      List<String> events = frames.stream().filter(Frame::isEvent).map(Frame::eventType).toList();
      assertEquals(
          List.of(
              "SessionCreated",
              "UserMessageAdded",
              "ModelCallStarted",
              "ModelReplied",
              "ToolCallStarted",
              "ToolCallSucceeded",
              "ModelCallStarted",
              "ModelReplied",
              "TurnCompleted"),
          events);
      // the answer's text arrived in pieces, after its call started and before its reply
      int secondCall = indexOfNth(frames, "ModelCallStarted", 2);
      int reply = indexOfNth(frames, "ModelReplied", 2);
      String streamed =
          frames.subList(secondCall, reply).stream()
              .filter(
                  f -> f.kind().equals("delta") && f.data().path("kind").asText().equals("text"))
              .map(f -> f.data().path("text").asText())
              .collect(Collectors.joining());
      assertEquals("Pekko has three hits in the index today.", streamed);
      assertTrue(
          frames.subList(secondCall, reply).stream().filter(f -> f.kind().equals("delta")).count()
              > 3,
          "the text came in several deltas: " + StreamClient.kindsOf(frames));
      // the tool use's input formed live too, under the use's id
      String toolInput =
          frames.subList(0, indexOfNth(frames, "ModelReplied", 1)).stream()
              .filter(
                  f ->
                      f.kind().equals("delta")
                          && f.data().path("kind").asText().equals("tool_input"))
              .map(f -> f.data().path("json").asText())
              .collect(Collectors.joining());
      assertEquals("{\"q\":\"pekko\"}", toolInput);
      // each event frame carries what the events endpoint shows for it
      Frame completed = frames.get(frames.size() - 1);
      Api.Response trail =
          api.get("/v1/sessions/" + session + "/events?after=" + (completed.seq() - 1), ACME_ALICE);
      assertEquals(trail.body().path("events").get(0), completed.data());
      // the stream stays open across turns, with heartbeats in between
      assertEquals("heartbeat", sse.next(Duration.ofSeconds(5)).kind());
    }
  }

  private static int indexOfNth(List<Frame> frames, String type, int n) {
    int seen = 0;
    for (int i = 0; i < frames.size(); i++) {
      if (frames.get(i).isEvent() && frames.get(i).eventType().equals(type) && ++seen == n) {
        return i;
      }
    }
    throw new AssertionError("no " + type + " #" + n + " in " + StreamClient.kindsOf(frames));
  }

  @Test
  void reconnectingWithLastEventIdInTheMiddleOfATurnGetsExactlyTheMissedEvents() throws Exception {
    String session = api.openSession(ACME_ALICE, "researcher");
    List<Frame> before;
    try (StreamClient first = StreamClient.sse(node.port(), stream(session), ACME_ALICE, null)) {
      api.post("/v1/sessions/" + session + "/messages?wait=0", ACME_ALICE, "{\"content\":\"go\"}");
      before = first.untilEvent("ToolCallStarted", WAIT);
    }
    long last = before.get(before.size() - 1).seq();
    // the turn goes on while nobody watches
    Thread.sleep(500);

    try (StreamClient again = StreamClient.sse(node.port(), stream(session), ACME_ALICE, last)) {
      List<Frame> after = again.untilEvent("TurnCompleted", WAIT);

      assertConsecutive(after, last + 1);
      List<Frame> all = new ArrayList<>(before);
      all.addAll(after);
      assertConsecutive(all, 1);
    }
    // ?after= resumes the same way, for clients that cannot set the header
    try (StreamClient param =
        StreamClient.sse(node.port(), stream(session) + "?after=" + last, ACME_ALICE, null)) {
      Frame first =
          param.until(Frame::isEvent, WAIT).stream()
              .filter(Frame::isEvent)
              .findFirst()
              .orElseThrow();
      assertEquals(last + 1, first.seq());
    }
  }

  @Test
  void aStalledClientIsDroppedWhileAnotherKeepsReceivingAndTheTurnCompletesOnTime()
      throws Exception {
    String session = api.openSession(ACME_ALICE, "chatter");
    try (Socket stalled = new Socket();
        StreamClient healthy = StreamClient.sse(node.port(), stream(session), ACME_ALICE, null)) {
      stalled.setReceiveBufferSize(4096);
      stalled.connect(new java.net.InetSocketAddress("127.0.0.1", node.port()));
      OutputStream out = stalled.getOutputStream();
      out.write(
          ("GET "
                  + stream(session)
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                  + "Authorization: Bearer "
                  + ACME_ALICE
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      healthy.untilEvent("SessionCreated", WAIT);

      long started = System.nanoTime();
      Api.Response turn =
          api.post(
              "/v1/sessions/" + session + "/messages?wait=30",
              ACME_ALICE,
              "{\"content\":\"talk\"}");
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertEquals("completed", turn.text("status"), turn.raw());
      // the answer streams for 8 s; the stalled client holds none of it up
      assertTrue(took.compareTo(Duration.ofSeconds(16)) < 0, "the turn took " + took);
      List<Frame> frames = healthy.untilEvent("TurnCompleted", WAIT);
      assertConsecutive(frames, 2);
      String streamed =
          frames.stream()
              .filter(f -> f.kind().equals("delta"))
              .map(f -> f.data().path("text").asText())
              .collect(Collectors.joining());
      assertEquals(longWords(4000), streamed, "every delta reached the client that kept up");
      // the stalled client's stream ended with the documented reason, after which it can resume
      String rest = drain(stalled.getInputStream(), Duration.ofSeconds(20));
      assertTrue(
          rest.contains("event: end"),
          "no end frame in the stalled stream ("
              + rest.length()
              + " chars): "
              + rest.substring(Math.max(0, rest.length() - 400)));
      assertTrue(
          rest.contains("\"reason\":\"slow_consumer\""),
          rest.substring(Math.max(0, rest.length() - 300)));
    }
  }

  /** Reads until an end frame's data line went by (or the time is up). */
  private static String drain(InputStream in, Duration within) throws Exception {
    StringBuilder all = new StringBuilder();
    byte[] buf = new byte[65536];
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (in.available() == 0) {
        int idx = all.indexOf("event: end");
        if (idx >= 0 && all.indexOf("\n\n", idx) > 0) {
          break;
        }
      }
      int n = in.read(buf);
      if (n < 0) {
        break;
      }
      all.append(new String(buf, 0, n, StandardCharsets.UTF_8));
    }
    return all.toString();
  }

  @Test
  void messagesApprovalsAndCancelTravelOverWebSockets() throws Exception {
    String session = api.openSession(ACME_ALICE, "refunds");
    try (StreamClient alice =
        StreamClient.ws(node.port(), "/v1/sessions/" + session + "/ws", ACME_ALICE)) {
      alice.send("{\"type\":\"message\",\"content\":\"refund o-7\",\"ref\":1}");
      Frame ack =
          alice.until(f -> f.kind().equals("ack"), WAIT).stream()
              .filter(f -> f.kind().equals("ack"))
              .findFirst()
              .orElseThrow();
      assertEquals(1, ack.raw().path("ref").asInt());
      String turnId = ack.data().path("turnId").asText();
      assertEquals("running", ack.data().path("status").asText());
      Frame requested =
          alice.until(f -> f.isEvent() && f.eventType().equals("ApprovalRequested"), WAIT).stream()
              .reduce((a, b) -> b)
              .orElseThrow();
      String approvalId = requested.data().path("data").path("approvalId").asText();

      // the approver decides from a browser: a ticket instead of a header
      Api.Response ticket = api.post("/v1/sessions/" + session + "/stream-tickets", ACME_BOB, "{}");
      assertEquals(201, ticket.status(), ticket.raw());
      try (StreamClient bob =
          StreamClient.ws(
              node.port(),
              "/v1/sessions/" + session + "/ws?ticket=" + ticket.text("ticket") + "&after=100000",
              null)) {
        bob.send(
            "{\"type\":\"approval\",\"approvalId\":\""
                + approvalId
                + "\",\"decision\":\"approve\",\"ref\":\"b1\"}");
        Frame bobAck =
            bob.until(f -> f.kind().equals("ack") || f.kind().equals("error"), WAIT).stream()
                .reduce((a, b) -> b)
                .orElseThrow();
        assertEquals("ack", bobAck.kind(), bobAck.raw().toString());
        assertEquals(turnId, bobAck.data().path("turnId").asText());
      }
      alice.untilEvent("TurnCompleted", WAIT);

      // a bad frame gets an error frame, and the socket stays usable
      alice.send("{not json");
      assertEquals(
          "invalid_json",
          alice
              .until(f -> f.kind().equals("error"), WAIT)
              .get(0)
              .raw()
              .path("error")
              .path("code")
              .asText());
      alice.send("{\"type\":\"dance\",\"ref\":7}");
      Frame unknown = alice.until(f -> f.kind().equals("error"), WAIT).get(0);
      assertEquals(7, unknown.raw().path("ref").asInt());

      // a turn that waits for its approver is cancelled from the socket
      alice.send("{\"type\":\"message\",\"content\":\"refund again\"}");
      alice.untilEvent("ApprovalRequested", WAIT);
      alice.send("{\"type\":\"cancel\",\"ref\":\"c\"}");
      List<Frame> afterCancel = alice.untilEvent("TurnCancelled", WAIT);
      Frame cancelAck =
          afterCancel.stream().filter(f -> f.kind().equals("ack")).findFirst().orElse(null);
      if (cancelAck == null) {
        cancelAck = alice.until(f -> f.kind().equals("ack"), WAIT).get(0);
      }
      assertEquals("cancelled", cancelAck.data().path("status").asText());
      Api.Response state = api.get("/v1/sessions/" + session, ACME_ALICE);
      assertEquals("idle", state.text("status"), state.raw());
      // the cancelled turn's approval leaves the approvers' queue
      Eventually.await(
          WAIT,
          "the approval of the cancelled turn is no longer pending",
          () -> {
            Api.Response pending = api.get("/v1/approvals?status=pending", ACME_BOB);
            return !pending.raw().contains(session);
          });
      // cancelling again: nothing runs
      Api.Response idle = api.post("/v1/sessions/" + session + "/cancel", ACME_ALICE, "{}");
      assertEquals(409, idle.status(), idle.raw());
      assertEquals("no_running_turn", idle.errorCode());
    }
  }

  @Test
  void aTicketOpensOnlyItsSessionOnceAndAnApiKeyInTheUrlOpensNothing() throws Exception {
    String mine = api.openSession(ACME_ALICE, "researcher");
    String other = api.openSession(ACME_ALICE, "researcher");
    String ticket =
        api.post("/v1/sessions/" + mine + "/stream-tickets", ACME_ALICE, "{}").text("ticket");

    try (StreamClient wrong =
        StreamClient.sse(node.port(), stream(other) + "?ticket=" + ticket, null, null)) {
      assertEquals(401, wrong.status());
    }
    try (StreamClient ok =
        StreamClient.sse(node.port(), stream(mine) + "?ticket=" + ticket, null, null)) {
      assertEquals(200, ok.status());
      ok.untilEvent("SessionCreated", WAIT);
    }
    try (StreamClient replayed =
        StreamClient.sse(node.port(), stream(mine) + "?ticket=" + ticket, null, null)) {
      assertEquals(401, replayed.status(), "a ticket is single use");
    }
    try (StreamClient key =
        StreamClient.sse(node.port(), stream(mine) + "?ticket=" + ACME_ALICE, null, null)) {
      assertEquals(401, key.status());
    }
    // a ticket on another URL is not spent there
    String fresh =
        api.post("/v1/sessions/" + mine + "/stream-tickets", ACME_ALICE, "{}").text("ticket");
    Api.Response elsewhere = api.get("/v1/sessions/" + mine + "?ticket=" + fresh, ACME_ALICE);
    assertEquals(200, elsewhere.status(), elsewhere.raw());
    try (StreamClient ok =
        StreamClient.sse(node.port(), stream(mine) + "?ticket=" + fresh, null, null)) {
      assertEquals(200, ok.status());
    }
  }

  @Test
  void anotherTenantCannotWatchASessionAndAnotherDeveloperIsForbidden() throws Exception {
    String session = api.openSession(ACME_ALICE, "researcher");
    try (StreamClient dora =
        StreamClient.sse(node.port(), stream(session), ItKeys.ACME_DORA, null)) {
      assertEquals(403, dora.status());
    }
    Api.Response doraTicket =
        api.post("/v1/sessions/" + session + "/stream-tickets", ItKeys.ACME_DORA, "{}");
    assertEquals(403, doraTicket.status(), doraTicket.raw());
    Api.Response doraCancel =
        api.post("/v1/sessions/" + session + "/cancel", ItKeys.ACME_DORA, "{}");
    assertEquals(403, doraCancel.status(), doraCancel.raw());
    try (StreamClient globex = StreamClient.sse(node.port(), stream(session), GLOBEX_CAROL, null)) {
      assertEquals(404, globex.status());
    }
    try (StreamClient nobody = StreamClient.sse(node.port(), stream(session), null, null)) {
      assertEquals(401, nobody.status());
    }
    Api.Response badAfter = api.get(stream(session) + "?after=-3", ACME_ALICE);
    assertEquals(400, badAfter.status(), badAfter.raw());
    assertTrue(badAfter.raw().contains("after"), badAfter.raw());
  }

  @Test
  void aClosedSessionsStreamEndsWithAnEndFrameAndAFinishedOneAnswersNoContent() throws Exception {
    String session = api.openSession(ACME_ALICE, "researcher");
    try (StreamClient sse = StreamClient.sse(node.port(), stream(session), ACME_ALICE, null)) {
      sse.untilEvent("SessionCreated", WAIT);
      api.delete("/v1/sessions/" + session, ACME_ALICE);
      List<Frame> tail = sse.until(f -> f.kind().equals("end"), WAIT);
      Frame end = tail.get(tail.size() - 1);
      assertEquals("session_closed", end.data().path("reason").asText());
      assertEquals(2, end.data().path("lastSeq").asLong());
    }
    try (StreamClient late = StreamClient.sse(node.port(), stream(session), ACME_ALICE, 2L)) {
      assertEquals(204, late.status());
    }
  }

  @Test
  void eachMultitaskModeDecidesWhatAMessageToABusySessionDoes() throws Exception {
    api.putAgent(
        ACME_ALICE,
        "queueing",
        Defs.agent(
                "[\"slow\"]",
                "[" + Defs.call("slow", "x") + "," + Defs.text("done") + "]",
                true,
                null)
            .replace("\"limits\"", "\"multitask\":\"enqueue\",\"limits\""));
    api.putAgent(
        ACME_ALICE,
        "interrupting",
        Defs.agent("[]", "[" + Defs.text(words(5)) + "]", true, 20_000L)
            .replace("\"limits\"", "\"multitask\":\"interrupt\",\"limits\""));
    Api.Response bad =
        api.put(
            "/v1/agents/confused",
            ACME_ALICE,
            Defs.agent("[]", "[" + Defs.text("x") + "]", true, null)
                .replace("\"limits\"", "\"multitask\":\"sometimes\",\"limits\""),
            "application/json");
    assertEquals(400, bad.status(), bad.raw());
    assertTrue(bad.raw().contains("multitask"), bad.raw());

    // reject (the default): 409 with the running turn
    String waiting = api.openSession(ACME_ALICE, "waiter");
    String running =
        api.post("/v1/sessions/" + waiting + "/messages?wait=0", ACME_ALICE, "{\"content\":\"1\"}")
            .text("turnId");
    Api.Response refused =
        api.post("/v1/sessions/" + waiting + "/messages?wait=0", ACME_ALICE, "{\"content\":\"2\"}");
    assertEquals(409, refused.status(), refused.raw());
    assertEquals(running, refused.body().path("error").path("turnId").asText());

    // enqueue: its own turn id at once, run after the running turn
    String queueing = api.openSession(ACME_ALICE, "queueing");
    api.post("/v1/sessions/" + queueing + "/messages?wait=0", ACME_ALICE, "{\"content\":\"1\"}");
    Api.Response queued =
        api.post("/v1/sessions/" + queueing + "/messages", ACME_ALICE, "{\"content\":\"2\"}");
    Api.Response sameAgain =
        api.post(
            "/v1/sessions/" + queueing + "/messages?wait=0",
            ACME_ALICE,
            "{\"content\":\"2b\",\"idempotencyKey\":\"k-2b\"}");
    Api.Response repeated =
        api.post(
            "/v1/sessions/" + queueing + "/messages?wait=0",
            ACME_ALICE,
            "{\"content\":\"2b\",\"idempotencyKey\":\"k-2b\"}");
    assertEquals(sameAgain.text("turnId"), repeated.text("turnId"), "a key names its queued turn");
    assertEquals(202, queued.status(), queued.raw());
    assertEquals("queued", queued.text("status"));
    String queuedTurn = queued.text("turnId");
    assertNotEquals(running, queuedTurn);

    // interrupt: the running turn is cancelled and the new one starts
    String interrupting = api.openSession(ACME_ALICE, "interrupting");
    String slowTurn =
        api.post(
                "/v1/sessions/" + interrupting + "/messages?wait=0",
                ACME_ALICE,
                "{\"content\":\"long\"}")
            .text("turnId");
    Api.Response second =
        api.post(
            "/v1/sessions/" + interrupting + "/messages?wait=0",
            ACME_ALICE,
            "{\"content\":\"instead\"}");
    assertEquals(202, second.status(), second.raw());
    Api.Response first = api.post("/v1/sessions/" + interrupting + "/cancel", ACME_ALICE, "{}");
    assertEquals(200, first.status(), first.raw());
    assertEquals("cancelled", first.text("status"), "the cancel hit the second turn");
    assertNotEquals(slowTurn, first.text("turnId"));
    Api.Response trail = api.get("/v1/sessions/" + interrupting + "/events?limit=100", ACME_ALICE);
    assertEquals(2, count(trail, "TurnCancelled"), trail.raw());

    // a third message is queued while the slow tool still holds the first turn
    Api.Response done =
        api.post(
            "/v1/sessions/" + queueing + "/messages?wait=20", ACME_ALICE, "{\"content\":\"3\"}");
    assertEquals(202, done.status(), "a third message is queued behind the second: " + done.raw());
    // the queued messages run once the slow tool lets the first turn end
    slowTool.countDown();
    Eventually.await(
        WAIT,
        "the queued turns completed",
        () -> {
          Api.Response s = api.get("/v1/sessions/" + queueing, ACME_ALICE);
          return "idle".equals(s.text("status"));
        });
    Api.Response events = api.get("/v1/sessions/" + queueing + "/events?limit=100", ACME_ALICE);
    assertEquals(3, count(events, "QueuedTurnStarted"), events.raw());
    assertEquals(4, count(events, "TurnCompleted"), events.raw());
    assertFalse(events.raw().contains("TurnFailed"), events.raw());
  }

  private static long count(Api.Response trail, String type) {
    long n = 0;
    for (var e : trail.body().path("events")) {
      if (e.path("type").asText().equals(type)) {
        n++;
      }
    }
    return n;
  }
}

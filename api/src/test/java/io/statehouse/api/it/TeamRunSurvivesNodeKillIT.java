package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.statehouse.persistence.cassandra.launcher.FreePorts;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.testing.LocalHttpServer;
import io.statehouse.runtime.workspace.WorkspaceId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Exactly-once delivery in a team run across SIGKILL (issue 8). A node runs a blackboard team and
 * is killed, once between a post and its delivery and once between a delivery and the turn it
 * starts; another node is started on the same journal and nobody sends anything: the workspace and
 * the members' sessions are remembered entities, so sharding starts them again. The test reads the
 * journals straight from Cassandra (no request wakes an entity), and counts each tool endpoint's
 * hits: the addressed member runs its turn once, and its tool is called once.
 */
@ExtendWith(CassandraExtension.class)
class TeamRunSurvivesNodeKillIT {
  private static final Duration NODE_START = Duration.ofSeconds(120);
  private static final Duration BEFORE_KILL = Duration.ofSeconds(60);
  private static final Duration RUN_END = Duration.ofSeconds(150);

  /**
   * Long enough that a member's turn is still in its tool when the test has seen what it waits for
   * and kills the node, on a machine whose two cores are busy.
   */
  private static final long SLOW_TOOL_MS = 12_000;

  private static final ObjectMapper JSON = new ObjectMapper();

  private static LocalHttpServer tools;
  private static int httpPort;
  private static Config overrides;
  private static JournalProbe journal;
  private static CqlSession cql;
  private static String messagesTable;
  private static Api api;

  @BeforeAll
  static void setUp(CassandraTestKeyspaces keyspaces) throws Exception {
    tools =
        new LocalHttpServer()
            .on("/ledger-export", (ex, body) -> slowly(ex, "{\"rows\":42}"))
            .on("/ledger-check", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"ok\":true}"))
            .on("/audit-q1", (ex, body) -> slowly(ex, "{\"q1\":\"clean\"}"))
            .on("/audit-march", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"march\":1}"));
    httpPort = FreePorts.pick(1)[0];
    overrides = NodeConfig.overrides(keyspaces, httpPort, "");
    journal = new JournalProbe(keyspaces);
    cql = JournalProbe.connect(keyspaces);
    messagesTable = keyspaces.journalKeyspace() + ".messages";
    api = new Api("127.0.0.1", httpPort);
  }

  @AfterAll
  static void tearDown() {
    tools.close();
    journal.close();
    cql.close();
  }

  private static void slowly(com.sun.net.httpserver.HttpExchange ex, String answer)
      throws IOException {
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

  // ---- journals, read from Cassandra ---------------------------------------------------------

  /** One stored event: its type (the manifest's simple name) and its JSON. */
  private record Stored(String type, JsonNode json) {}

  /**
   * The events of {@code persistenceId}, decoded: a session or workspace event is stored as a
   * header (format byte, key id length, key id, 32 bytes of MAC) followed by its canonical JSON.
   */
  private static List<Stored> events(String persistenceId) {
    List<Stored> out = new ArrayList<>();
    for (Row row :
        cql.execute(
            "SELECT ser_manifest, event FROM "
                + messagesTable
                + " WHERE persistence_id = ? AND partition_nr = 0",
            persistenceId)) {
      String manifest = row.getString("ser_manifest");
      ByteBuffer buffer = row.getByteBuffer("event");
      byte[] stored = new byte[buffer.remaining()];
      buffer.get(stored);
      int start = 2 + (stored[1] & 0xff) + 32;
      try {
        out.add(
            new Stored(
                manifest.substring(
                    Math.max(manifest.lastIndexOf('$'), manifest.lastIndexOf('.')) + 1),
                JSON.readTree(stored, start, stored.length - start)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  private static List<Stored> workspaceEvents(String workspaceId) {
    return events(new WorkspaceId("acme", workspaceId).persistenceId().id());
  }

  private static List<Stored> sessionEvents(SessionId session) {
    return events(session.persistenceId().id());
  }

  private static List<JsonNode> ofType(List<Stored> events, String type) {
    return events.stream().filter(e -> e.type().equals(type)).map(Stored::json).toList();
  }

  private static long count(List<Stored> events, String type) {
    return ofType(events, type).size();
  }

  /** The deliveries the workspace scheduled for {@code role}, in order. */
  private static List<JsonNode> deliveriesTo(List<Stored> events, String role) {
    return ofType(events, "DeliveryScheduled").stream()
        .filter(d -> d.path("role").asText().equals(role))
        .toList();
  }

  /** The {@code Delivered} events the workspace recorded for delivery {@code deliveryId}. */
  private static List<JsonNode> delivered(List<Stored> events, String deliveryId) {
    return ofType(events, "Delivered").stream()
        .filter(d -> d.path("deliveryId").asText().equals(deliveryId))
        .toList();
  }

  /** Each role's session, from the run's first event. */
  private static Map<String, SessionId> seats(String workspaceId) {
    JsonNode started = ofType(workspaceEvents(workspaceId), "RunStarted").get(0);
    List<JsonNode> list = new ArrayList<>();
    started.path("seats").forEach(list::add);
    return list.stream()
        .collect(
            Collectors.toMap(
                s -> s.path("role").asText(),
                s -> new SessionId("acme", s.path("sessionId").asText())));
  }

  private static String startRun(String team, String input) {
    Api.Response started =
        api.post("/v1/teams/" + team + "/runs", ACME_ALICE, "{\"input\":\"" + input + "\"}");
    assertEquals(201, started.status(), started.raw());
    return started.text("workspaceId");
  }

  private static JsonNode awaitRunEnd(String workspaceId) {
    Eventually.await(
        RUN_END,
        "the run ends on the new node, with nobody sending anything",
        () -> count(workspaceEvents(workspaceId), "RunEnded") == 1);
    return ofType(workspaceEvents(workspaceId), "RunEnded").get(0);
  }

  /** Whether the worker's second delivery was accepted by its session (Delivered). */
  private static boolean secondDeliveryRecorded(List<Stored> ws) {
    List<JsonNode> toWorker = deliveriesTo(ws, "worker");
    return toWorker.size() == 2
        && delivered(ws, toWorker.get(1).path("deliveryId").asText()).size() == 1;
  }

  private static String post(String text) {
    return "{\"toolCalls\":[{\"name\":\"workspace_post\",\"input\":{\"text\":\"" + text + "\"}}]}";
  }

  // ---- the tests -----------------------------------------------------------------------------

  /**
   * A post is delivered when its author's turn ends (Coordinator): the writer posts, then calls a
   * slow tool, and the node dies in that tool, with the post in the journal and its delivery not
   * yet scheduled. On the new node the writer's turn resumes (its idempotent tool runs again under
   * the same key), ends, and the reader gets the post as one turn, which calls its tool once.
   */
  @Test
  void aPostWhoseAuthorsTurnWasKilledIsDeliveredOnceAndTheReaderRunsOneTurn() throws Exception {
    String workspaceId;
    try (NodeProcess first = NodeProcess.start("post-first", overrides, httpPort, NODE_START)) {
      api.putTool(ACME_ALICE, "ledger_export", Defs.tool(tools.url("/ledger-export"), true, "30s"));
      api.putTool(ACME_ALICE, "ledger_check", Defs.tool(tools.url("/ledger-check"), true, "30s"));
      api.putAgent(
          ACME_ALICE,
          "ledger-writer",
          Defs.agent(
              "[\"ledger_export\"]",
              "["
                  + post("check the Q3 ledger")
                  + ","
                  + Defs.call("ledger_export", "Q3")
                  + ","
                  + Defs.text("posted and exported")
                  + "]",
              false,
              null));
      api.putAgent(
          ACME_ALICE,
          "ledger-reader",
          Defs.agent(
              "[\"ledger_check\"]",
              "[" + Defs.call("ledger_check", "Q3") + "," + Defs.text("checked") + "]",
              false,
              null));
      Api.Response team =
          api.put(
              "/v1/teams/ledger",
              ACME_ALICE,
              "{\"members\":[{\"role\":\"writer\",\"agent\":\"ledger-writer\"},"
                  + "{\"role\":\"reader\",\"agent\":\"ledger-reader\"}],"
                  + "\"entry\":\"writer\",\"pattern\":\"blackboard\","
                  + "\"rules\":[{\"on\":\"post\",\"from\":\"writer\",\"notify\":\"reader\"}],"
                  + "\"limits\":{\"maxTurns\":6}}",
              "application/json");
      assertEquals(201, team.status(), team.raw());
      workspaceId = startRun("ledger", "close the quarter");
      Eventually.await(
          BEFORE_KILL,
          "the post is in the journal and the writer's turn is in its slow tool",
          () ->
              count(workspaceEvents(workspaceId), "PostAdded") == 1 && hits("/ledger-export") == 1);
      first.kill();
    }
    Map<String, SessionId> seats = seats(workspaceId);
    SessionId writer = seats.get("writer");
    SessionId reader = seats.get("reader");
    List<Stored> atKill = workspaceEvents(workspaceId);
    // between the post and its delivery: only the input was ever scheduled
    assertEquals(1, count(atKill, "DeliveryScheduled"), atKill.toString());
    assertEquals(List.of(), deliveriesTo(atKill, "reader"));
    assertEquals(0, journal.count(writer, "TurnCompleted"), "killed in the writer's turn");
    assertEquals(0, journal.count(reader, "UserMessageAdded"), "the reader got nothing yet");
    assertEquals(0, journal.count(reader, "MessageQueued"));

    try (NodeProcess second = NodeProcess.start("post-second", overrides, httpPort, NODE_START)) {
      JsonNode ended = awaitRunEnd(workspaceId);
      assertEquals("done", ended.path("status").asText(), ended.toString());

      List<Stored> ws = workspaceEvents(workspaceId);
      assertEquals(1, count(ws, "PostAdded"), "the post is written once");
      List<JsonNode> toReader = deliveriesTo(ws, "reader");
      assertEquals(1, toReader.size(), ws.toString());
      String deliveryId = toReader.get(0).path("deliveryId").asText();
      assertTrue(
          toReader.get(0).path("text").asText().contains("check the Q3 ledger"),
          toReader.get(0).toString());
      List<JsonNode> readerDelivered = delivered(ws, deliveryId);
      assertEquals(1, readerDelivered.size(), "one Delivered for the reader's delivery");

      // the reader ran exactly the one turn the post gave it
      List<Stored> readerEvents = sessionEvents(reader);
      List<JsonNode> messages = ofType(readerEvents, "UserMessageAdded");
      assertEquals(1, messages.size(), readerEvents.toString());
      assertEquals(0, count(readerEvents, "MessageQueued"));
      assertEquals(
          readerDelivered.get(0).path("turnId").asText(), messages.get(0).path("turnId").asText());
      assertEquals(
          "workspace:" + workspaceId + ":" + deliveryId,
          messages.get(0).path("idempotencyKey").asText());
      assertEquals(1, count(readerEvents, "TurnCompleted"));
      assertEquals(1, hits("/ledger-check"), "the reader's tool ran once");

      // the writer's turn was resumed, not run again: its idempotent tool ran once before the
      // kill and once after, under the same key
      assertEquals(1, journal.count(writer, "TurnResumed"));
      assertEquals(1, journal.count(writer, "TurnCompleted"));
      assertEquals(1, journal.count(writer, "UserMessageAdded"));
      assertEquals(2, hits("/ledger-export"));
      List<String> exportKeys = keys("/ledger-export");
      assertEquals(exportKeys.get(0), exportKeys.get(1), exportKeys.toString());

      assertEquals(2, count(ws, "MemberTurnEnded"));
      JsonNode view = api.get("/v1/workspaces/" + workspaceId, ACME_ALICE).body();
      assertEquals("done", view.path("status").asText(), view.toString());
      assertEquals(2, view.path("turns").asInt(), view.toString());
    }
  }

  /**
   * The worker is in a slow tool of its first turn when a second delivery (the helper's post)
   * reaches it: its session queues the message (members run with multitask enqueue) and the
   * workspace records it Delivered. The node dies while the first turn still works. On the new node
   * the first turn resumes and ends, then the queued turn runs exactly once, and its tool is called
   * once.
   */
  @Test
  void aDeliveryQueuedBehindAKilledTurnRunsAsExactlyOneTurnAfterTheRestart() throws Exception {
    String workspaceId;
    try (NodeProcess first = NodeProcess.start("queued-first", overrides, httpPort, NODE_START)) {
      api.putTool(ACME_ALICE, "audit_q1", Defs.tool(tools.url("/audit-q1"), true, "30s"));
      api.putTool(ACME_ALICE, "audit_march", Defs.tool(tools.url("/audit-march"), true, "30s"));
      api.putAgent(
          ACME_ALICE,
          "audit-lead",
          Defs.agent("[]", "[" + post("audit Q1") + "," + Defs.text("posted") + "]", false, null));
      api.putAgent(
          ACME_ALICE,
          "audit-helper",
          Defs.agent(
              "[]", "[" + post("also check March") + "," + Defs.text("noted") + "]", false, null));
      // the script's step is the number of assistant messages so far: the first turn calls
      // audit_q1, the second audit_march
      api.putAgent(
          ACME_ALICE,
          "audit-worker",
          Defs.agent(
              "[\"audit_q1\",\"audit_march\"]",
              "["
                  + Defs.call("audit_q1", "Q1")
                  + ","
                  + Defs.text("Q1 audited")
                  + ","
                  + Defs.call("audit_march", "March")
                  + ","
                  + Defs.text("March audited")
                  + "]",
              false,
              null));
      Api.Response team =
          api.put(
              "/v1/teams/audit",
              ACME_ALICE,
              "{\"members\":[{\"role\":\"lead\",\"agent\":\"audit-lead\"},"
                  + "{\"role\":\"worker\",\"agent\":\"audit-worker\"},"
                  + "{\"role\":\"helper\",\"agent\":\"audit-helper\"}],"
                  + "\"entry\":\"lead\",\"pattern\":\"blackboard\",\"rules\":["
                  + "{\"on\":\"post\",\"from\":\"lead\",\"notify\":\"worker\"},"
                  + "{\"on\":\"post\",\"from\":\"lead\",\"notify\":\"helper\"},"
                  + "{\"on\":\"post\",\"from\":\"helper\",\"notify\":\"worker\"}],"
                  + "\"limits\":{\"maxTurns\":8}}",
              "application/json");
      assertEquals(201, team.status(), team.raw());
      workspaceId = startRun("audit", "audit the first quarter");
      Eventually.await(
          BEFORE_KILL,
          "the worker's second delivery is recorded while its first turn is in its slow tool",
          () -> hits("/audit-q1") == 1 && secondDeliveryRecorded(workspaceEvents(workspaceId)));
      first.kill();
    }
    SessionId worker = seats(workspaceId).get("worker");
    List<Stored> atKill = workspaceEvents(workspaceId);
    JsonNode fromHelper = deliveriesTo(atKill, "worker").get(1);
    assertTrue(
        fromHelper.path("text").asText().contains("also check March"), fromHelper.toString());
    String queuedDelivery = fromHelper.path("deliveryId").asText();
    String queuedTurn = delivered(atKill, queuedDelivery).get(0).path("turnId").asText();
    // between the delivery and its turn: queued in the worker's inbox behind a turn still working
    List<Stored> workerAtKill = sessionEvents(worker);
    List<JsonNode> queued = ofType(workerAtKill, "MessageQueued");
    assertEquals(1, queued.size(), workerAtKill.toString());
    assertEquals(queuedTurn, queued.get(0).path("turnId").asText());
    assertEquals(
        "workspace:" + workspaceId + ":" + queuedDelivery,
        queued.get(0).path("idempotencyKey").asText());
    assertEquals(0, count(workerAtKill, "TurnCompleted"), "killed in the worker's first turn");
    assertEquals(0, count(workerAtKill, "QueuedTurnStarted"));
    assertEquals(0, hits("/audit-march"));

    try (NodeProcess second = NodeProcess.start("queued-second", overrides, httpPort, NODE_START)) {
      JsonNode ended = awaitRunEnd(workspaceId);
      assertEquals("done", ended.path("status").asText(), ended.toString());

      List<Stored> ws = workspaceEvents(workspaceId);
      assertEquals(1, delivered(ws, queuedDelivery).size(), "one Delivered for the delivery");
      assertEquals(2, deliveriesTo(ws, "worker").size(), ws.toString());
      assertEquals(4, count(ws, "MemberTurnEnded"), ws.toString());

      List<Stored> workerEvents = sessionEvents(worker);
      // the first turn resumed; the queued one started once, from the journal's queue
      assertEquals(1, count(workerEvents, "UserMessageAdded"), workerEvents.toString());
      assertEquals(1, count(workerEvents, "MessageQueued"));
      assertEquals(1, count(workerEvents, "TurnResumed"));
      List<JsonNode> started = ofType(workerEvents, "QueuedTurnStarted");
      assertEquals(1, started.size(), workerEvents.toString());
      assertEquals(queuedTurn, started.get(0).path("turnId").asText());
      List<String> completed =
          ofType(workerEvents, "TurnCompleted").stream()
              .map(t -> t.path("turnId").asText())
              .toList();
      assertEquals(2, completed.size(), completed.toString());
      assertEquals(queuedTurn, completed.get(1));
      assertEquals(1, hits("/audit-march"), "the delivered turn's tool ran once");
      // the first turn's idempotent tool, in flight at the kill, ran again under the same key
      assertEquals(2, hits("/audit-q1"));
      List<String> q1Keys = keys("/audit-q1");
      assertEquals(q1Keys.get(0), q1Keys.get(1), q1Keys.toString());
    }
  }
}

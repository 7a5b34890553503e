package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static io.statehouse.api.it.ItKeys.ACME_OLGA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.testing.LocalHttpServer;
import io.statehouse.runtime.workspace.WorkspaceId;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three node JVMs form one cluster on one Cassandra. Sessions spread over them; one node is killed
 * with SIGKILL while its sessions are in the middle of a turn. The survivors down it, take its
 * shards, and its sessions resume by themselves: every turn completes, the non-idempotent tool ran
 * once per turn, and a stream opened on a survivor follows a session that moved. The time from the
 * kill to each moved session's resumed tool call is measured and printed (the failover time).
 */
@ExtendWith(CassandraExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFailoverIT {
  private static final Duration NODE_START = Duration.ofSeconds(180);
  private static final int SESSIONS = 12;
  // the report call is held until the victim is dead (at most this long, under the tool's timeout),
  // so no report can finish between choosing the moved sessions and the kill
  private static final long REPORT_HOLD_S = 45;
  private static final CountDownLatch reportGate = new CountDownLatch(1);
  private static final int NUMBER_OF_SHARDS = 128;
  private static final long PAY_MS = 1_500;
  private static final int CLIENTS = 6;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static LocalHttpServer tools;
  // when each report request (by its Idempotency-Key) reached the tool, in nanoTime
  private static final Map<String, List<Long>> reportArrivals = new ConcurrentHashMap<>();
  private static LocalCluster cluster;
  // the node the kill test left dead, started again by the test after it
  private static int killed = -1;
  private static JournalProbe journal;

  @BeforeAll
  static void startCluster(CassandraTestKeyspaces keyspaces) throws Exception {
    tools =
        new LocalHttpServer()
            .on("/charge", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"charged\":true}"))
            .on(
                "/pay",
                (ex, body) -> {
                  try {
                    Thread.sleep(PAY_MS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  LocalHttpServer.respond(ex, 200, "{\"paid\":true}");
                })
            .on(
                "/report",
                (ex, body) -> {
                  reportArrivals
                      .computeIfAbsent(
                          ex.getRequestHeaders().getFirst("Idempotency-Key"),
                          k -> new CopyOnWriteArrayList<>())
                      .add(System.nanoTime());
                  try {
                    reportGate.await(REPORT_HOLD_S, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  LocalHttpServer.respond(ex, 200, "{\"report\":\"ok\"}");
                });
    journal = new JournalProbe(keyspaces);
    cluster = LocalCluster.start("cluster", keyspaces, 3, "", List.of(), NODE_START);
  }

  @AfterAll
  static void stopCluster() {
    reportGate.countDown();
    if (cluster != null) {
      cluster.close();
    }
    if (tools != null) {
      tools.close();
    }
    if (journal != null) {
      journal.close();
    }
  }

  @Test
  @Order(1)
  void sessionsOfAKilledNodeResumeOnTheSurvivorsWithoutRunningANonIdempotentToolTwice()
      throws Exception {
    Api first = cluster.api(0);
    first.putTool(ACME_ALICE, "charge", Defs.tool(tools.url("/charge"), false, "10s"));
    first.putTool(ACME_ALICE, "build_report", Defs.tool(tools.url("/report"), true, "60s"));
    first.putAgent(
        ACME_ALICE,
        "biller",
        Defs.agent(
            "[\"charge\",\"build_report\"]",
            "["
                + Defs.call("charge", "order-1")
                + ","
                + Defs.call("build_report", "Q3")
                + ","
                + Defs.text("Charged and reported.")
                + "]",
            false,
            null));
    // a one-member team whose member builds the report (the same slow tool), then writes it
    first.putAgent(
        ACME_ALICE,
        "team-reporter",
        Defs.agent(
            "[\"build_report\"]",
            "["
                + Defs.call("build_report", "team")
                + ",{\"toolCalls\":[{\"name\":\"workspace_put_artifact\",\"input\":{\"name\":"
                + "\"report\",\"expectedVersion\":0,\"content\":\"Q3 is up\"}}]},"
                + Defs.text("Reported.")
                + "]",
            false,
            null));
    Api.Response team =
        first.put(
            "/v1/teams/reporting",
            ACME_ALICE,
            "{\"members\":[{\"role\":\"reporter\",\"agent\":\"team-reporter\"}],"
                + "\"entry\":\"reporter\",\"pattern\":\"pipeline\",\"done\":{\"artifact\":\"report\"}}",
            "application/json");
    assertEquals(201, team.status(), team.raw());
    assertEquals(3, members(0).size(), "three members are up");

    // sessions opened and messaged through all three nodes
    List<SessionId> sessions = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      Api api = cluster.api(i % 3);
      String id = api.openSession(ACME_ALICE, "biller");
      Api.Response accepted =
          api.post("/v1/sessions/" + id + "/messages?wait=0", ACME_ALICE, "{\"content\":\"go\"}");
      assertEquals(202, accepted.status(), accepted.raw());
      sessions.add(new SessionId("acme", id));
    }
    // and team runs, started through all three nodes
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Api.Response run =
          cluster.api(i).post("/v1/teams/reporting/runs", ACME_ALICE, "{\"input\":\"Q3\"}");
      assertEquals(201, run.status(), run.raw());
      runs.add(run.text("workspaceId"));
    }
    // every turn is in its slow report call: the charge is done and journaled
    Eventually.await(
        Duration.ofSeconds(60),
        "every session is charged and building its report",
        () -> sessions.stream().allMatch(s -> journal.count(s, "ToolCallStarted") == 2));
    List<SessionId> reporters = new ArrayList<>();
    for (String run : runs) {
      reporters.add(
          new SessionId(
              "acme",
              first
                  .get("/v1/workspaces/" + run, ACME_ALICE)
                  .body()
                  .path("members")
                  .get(0)
                  .path("sessionId")
                  .asText()));
    }
    Eventually.await(
        Duration.ofSeconds(60),
        "every team member is building its report",
        () -> reporters.stream().allMatch(s -> journal.count(s, "ToolCallStarted") == 1));

    // the node that hosts the most of them (by the shards its management port reports)
    List<Set<String>> shardsByNode = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      shardsByNode.add(sessionShards(i));
    }
    // the victim hosts a team run's workspace or member (some node does), and of those nodes the
    // most of the other sessions
    int victim = -1;
    for (int i = 0; i < 3; i++) {
      boolean hostsTeam =
          !hosted(reporters, shardsByNode.get(i)).isEmpty()
              || !hostedWorkspaces(runs, workspaceShards(i)).isEmpty();
      if (hostsTeam
          && (victim < 0
              || hosted(sessions, shardsByNode.get(i)).size()
                  > hosted(sessions, shardsByNode.get(victim)).size())) {
        victim = i;
      }
    }
    assertTrue(victim >= 0, "a node hosts the team runs");
    int teamEntitiesMoved =
        hosted(reporters, shardsByNode.get(victim)).size()
            + hostedWorkspaces(runs, workspaceShards(victim)).size();
    // the victim's sessions whose report is still running when it dies
    List<SessionId> moved =
        hosted(sessions, shardsByNode.get(victim)).stream()
            .filter(s -> journal.count(s, "ToolCallSucceeded") == 1)
            .toList();
    assertFalse(moved.isEmpty(), "the victim hosts sessions in the middle of a turn");
    int survivor = (victim + 1) % 3;
    SessionId followed = moved.get(0);
    try (StreamClient stream =
        StreamClient.sse(
            cluster.http(survivor),
            "/v1/sessions/" + followed.id() + "/stream",
            ACME_ALICE,
            null)) {
      assertEquals(200, stream.status());
      // joined: the session's first events arrive from the journal (a stream whose first join is
      // cut off by the kill ends with "unavailable", and its client reconnects)
      assertTrue(stream.next(Duration.ofSeconds(30)).isEvent(), "the stream is following");

      long killedAt = System.nanoTime();
      cluster.kill(victim);
      killed = victim;
      reportGate.countDown();

      Eventually.await(
          Duration.ofSeconds(120),
          "every turn completes",
          () -> sessions.stream().allMatch(s -> journal.count(s, "TurnCompleted") == 1));
      for (String run : runs) {
        Eventually.await(
            Duration.ofSeconds(120),
            "team run " + run + " ends",
            () ->
                !"running"
                    .equals(
                        cluster
                            .api(survivor)
                            .get("/v1/workspaces/" + run, ACME_ALICE)
                            .text("status")));
        JsonNode ws = cluster.api(survivor).get("/v1/workspaces/" + run, ACME_ALICE).body();
        assertEquals("done", ws.path("status").asText(), ws.toString());
        assertEquals(1, ws.path("artifacts").get(0).path("version").asInt(), "written once");
      }
      for (SessionId r : reporters) {
        assertEquals(1, journal.count(r, "TurnCompleted"), "the member ran its turn once: " + r);
      }
      assertFalse(
          stream.untilEvent("TurnCompleted", Duration.ofSeconds(30)).isEmpty(),
          "the stream on a survivor saw the moved session finish its turn");

      // the failover time: from the kill to each moved session's report call, sent again
      List<Long> resumedMs = new ArrayList<>();
      for (SessionId s : moved) {
        List<Long> arrivals = reportArrival(s);
        assertEquals(2, arrivals.size(), "the moved session's report was re-sent once: " + s);
        resumedMs.add((arrivals.get(1) - killedAt) / 1_000_000);
      }
      resumedMs.sort(Long::compare);
      System.out.printf(
          "FAILOVER kill -> resumed tool call, %d moved sessions of %d (and %d team-run entities):"
              + " p50 %d ms, max %d ms%n",
          moved.size(),
          SESSIONS,
          teamEntitiesMoved,
          resumedMs.get(resumedMs.size() / 2),
          resumedMs.get(resumedMs.size() - 1));
    }

    // exactly once where it matters: one charge per session, each under its own key
    List<String> chargeKeys =
        tools.seen().stream()
            .filter(s -> s.path().equals("/charge"))
            .map(s -> s.headers().getFirst("Idempotency-Key"))
            .toList();
    assertEquals(SESSIONS, chargeKeys.size(), "the non-idempotent charge ran once per session");
    assertEquals(SESSIONS, new HashSet<>(chargeKeys).size());
    for (SessionId s : sessions) {
      assertEquals(1, journal.count(s, "TurnCompleted"));
      assertEquals(
          moved.contains(s) ? 1 : 0,
          journal.count(s, "TurnResumed"),
          "only the moved sessions resumed: " + s);
      assertEquals(
          moved.contains(s) ? 2 : 1,
          reportArrival(s).size(),
          "the idempotent report ran again only where it was cut off: " + s);
    }

    // the cluster, as an operator sees it on a survivor: the killed node is gone
    Eventually.await(
        Duration.ofSeconds(60),
        "the survivors removed the killed node",
        () -> members(survivor).size() == 2);
    Api survivorApi = cluster.api(survivor);
    assertEquals(403, survivorApi.get("/v1/ops/cluster", ACME_ALICE).status(), "operators only");
    JsonNode view = survivorApi.get("/v1/ops/cluster", ACME_OLGA).body();
    for (JsonNode m : view.path("members")) {
      assertEquals("up", m.path("status").asText());
      assertTrue(m.path("reachable").asBoolean());
    }
    int hostedAfter = 0;
    for (JsonNode m : view.path("members")) {
      hostedAfter += m.path("shards").asInt();
    }
    assertTrue(hostedAfter > 0, "the survivors host the shards: " + view);
  }

  /**
   * Each node in turn leaves gracefully (SIGTERM) and is started again, while clients keep sending
   * messages through the nodes in rotation, as a load balancer would (a node leaves the rotation a
   * second before its SIGTERM). No request fails, every acknowledged message's turn completes, and
   * the slow non-idempotent payment in flight when its session is handed off is answered before the
   * session moves: no call has an unknown outcome, none runs twice.
   */
  @Test
  @Order(2)
  void aRollingRestartUnderLoadFailsNoRequestAndLosesNoAcknowledgedMessage() throws Exception {
    if (killed >= 0) {
      cluster.restart(killed, "-again");
      killed = -1;
    }
    Api first = cluster.api(0);
    first.putTool(ACME_ALICE, "pay", Defs.tool(tools.url("/pay"), false, "10s"));
    first.putAgent(
        ACME_ALICE,
        "payer",
        Defs.agent(
            "[\"pay\"]",
            "[" + Defs.call("pay", "invoice") + "," + Defs.text("Paid.") + "]",
            true,
            null));
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      sessions.add(cluster.api(i % 3).openSession(ACME_ALICE, "payer"));
    }
    Set<Integer> rotation = ConcurrentHashMap.newKeySet();
    rotation.addAll(List.of(0, 1, 2));
    Map<String, List<String>> acknowledged = new ConcurrentHashMap<>();
    List<String> failures = new CopyOnWriteArrayList<>();
    // a connection a stopping node closed without an answer: the client sends the same key again
    List<String> cut = new CopyOnWriteArrayList<>();
    List<long[]> cutAt = new CopyOnWriteArrayList<>();
    // per node: when it left the rotation, when it had exited (nanos since start)
    long[] leftRotation = new long[3];
    long[] exited = new long[3];
    // when each node left the rotation, was stopped and was back: what a failure is told against
    List<String> timeline = new CopyOnWriteArrayList<>();
    long start = System.nanoTime();
    java.util.concurrent.atomic.AtomicBoolean running =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      String session = sessions.get(c);
      int client = c;
      Thread t =
          new Thread(
              () -> {
                int n = 0;
                String key = "roll-" + client + "-" + n;
                // a cut request is sent again even after the end: its turn may have started
                boolean again = false;
                while (running.get() || again) {
                  List<Integer> up = new ArrayList<>(rotation);
                  int node = up.get((client + n) % up.size());
                  long sent = System.nanoTime() - start;
                  try {
                    Api.Response r =
                        cluster
                            .api(node)
                            .post(
                                "/v1/sessions/" + session + "/messages?wait=30",
                                ACME_ALICE,
                                "{\"content\":\"pay\",\"idempotencyKey\":\"" + key + "\"}");
                    if (r.status() == 200 || r.status() == 202) {
                      acknowledged
                          .computeIfAbsent(session, k -> new CopyOnWriteArrayList<>())
                          .add(r.text("turnId"));
                    } else {
                      failures.add(
                          at(sent) + " node " + (node + 1) + ": " + r.status() + " " + r.raw());
                    }
                  } catch (RuntimeException e) {
                    if (e.getCause() instanceof java.io.IOException) {
                      // no answer on the connection: as any client with a key, send it again
                      // (to another node, next time round); the key makes that safe
                      long now = System.nanoTime() - start;
                      cut.add(at(sent) + "-" + at(now) + " node " + (node + 1) + ": " + e);
                      cutAt.add(new long[] {node, sent, now});
                      n++;
                      again = true;
                      continue;
                    }
                    failures.add(at(sent) + " node " + (node + 1) + ": " + e);
                  }
                  again = false;
                  key = "roll-" + client + "-" + ++n;
                }
              },
              "rolling-client-" + c);
      t.start();
      clients.add(t);
    }
    Thread.sleep(3_000);
    for (int i = 0; i < 3; i++) {
      rotation.remove(i);
      leftRotation[i] = System.nanoTime() - start;
      timeline.add(at(leftRotation[i]) + " node " + (i + 1) + " out of the rotation");
      Thread.sleep(1_000);
      timeline.add(at(System.nanoTime() - start) + " node " + (i + 1) + " SIGTERM");
      cluster.stop(i);
      exited[i] = System.nanoTime() - start;
      timeline.add(at(exited[i]) + " node " + (i + 1) + " exited");
      cluster.restart(i, "-rolled");
      rotation.add(i);
      timeline.add(at(System.nanoTime() - start) + " node " + (i + 1) + " ready, in the rotation");
      Thread.sleep(2_000);
    }
    running.set(false);
    for (Thread t : clients) {
      t.join(60_000);
    }

    assertEquals(List.of(), failures, "no request failed during the rolling restart; " + timeline);
    // a connection may be cut without an answer only by a node that is stopping: a request sent
    // to it before it left the rotation, cut before it had exited
    for (long[] c : cutAt) {
      int node = (int) c[0];
      assertTrue(
          c[1] <= leftRotation[node] && c[2] <= exited[node],
          "a connection was cut only by a stopping node: " + cut + "; " + timeline);
    }
    int turns = 0;
    for (String id : sessions) {
      SessionId s = new SessionId("acme", id);
      List<String> acked = acknowledged.getOrDefault(id, List.of());
      turns += acked.size();
      assertFalse(acked.isEmpty(), "client of " + id + " got answers");
      Eventually.await(
          Duration.ofSeconds(90),
          "every acknowledged turn of " + id + " completes",
          () -> journal.count(s, "TurnCompleted") == acked.size());
      assertEquals(0, journal.count(s, "ToolCallOutcomeUnknown"), "no payment cut off: " + id);
      assertEquals(0, journal.count(s, "TurnFailed"), id);
    }
    List<String> payKeys =
        tools.seen().stream()
            .filter(x -> x.path().equals("/pay"))
            .map(x -> x.headers().getFirst("Idempotency-Key"))
            .toList();
    assertEquals(turns, payKeys.size(), "one payment per acknowledged message");
    assertEquals(turns, new HashSet<>(payKeys).size(), "no payment ran twice");
    System.out.printf(
        "ROLLING RESTART of 3 nodes under %d clients: %d messages acknowledged, 0 failed, %d sent"
            + " again after a stopping node cut the connection %s%n",
        CLIENTS, turns, cut.size(), cut);
  }

  /** A time since the start of the rolling restart, for its timeline. */
  private static String at(long nanos) {
    return String.format("t+%.2fs", nanos / 1e9);
  }

  private static List<Long> reportArrival(SessionId s) {
    return reportArrivals.entrySet().stream()
        .filter(e -> e.getKey() != null && e.getKey().startsWith(s.id() + "/"))
        .flatMap(e -> e.getValue().stream())
        .sorted()
        .toList();
  }

  private static List<SessionId> hosted(List<SessionId> sessions, Set<String> shards) {
    return sessions.stream().filter(s -> onShards(s.entityId(), shards)).toList();
  }

  private static List<String> hostedWorkspaces(List<String> runs, Set<String> shards) {
    return runs.stream()
        .filter(w -> onShards(new WorkspaceId("acme", w).entityId(), shards))
        .toList();
  }

  /** Whether the entity falls on one of {@code shards}, by sharding's own hash of its id. */
  private static boolean onShards(String entityId, Set<String> shards) {
    return shards.contains(
        ShardRegion.HashCodeMessageExtractor$.MODULE$.shardId(entityId, NUMBER_OF_SHARDS));
  }

  /** The workspace shards node {@code i} hosts. */
  private static Set<String> workspaceShards(int i) {
    return shards(i, WorkspaceId.ENTITY_TYPE);
  }

  /** The session shards node {@code i} hosts, from its management port (Pekko Management). */
  private static Set<String> sessionShards(int i) {
    return shards(i, SessionId.ENTITY_TYPE);
  }

  private static Set<String> shards(int i, String type) {
    JsonNode body = management(i, "/cluster/shards/" + type);
    Set<String> shards = new HashSet<>();
    for (JsonNode r : body.path("regions")) {
      shards.add(r.path("shardId").asText());
    }
    return shards;
  }

  /** The members node {@code i} sees, from its management port. */
  private static List<String> members(int i) {
    List<String> up = new ArrayList<>();
    for (JsonNode m : management(i, "/cluster/members").path("members")) {
      up.add(m.path("node").asText() + " " + m.path("status").asText());
    }
    return up;
  }

  private static JsonNode management(int i, String path) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.management(i) + path))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), path + ": " + r.body());
      return JSON.readTree(r.body());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

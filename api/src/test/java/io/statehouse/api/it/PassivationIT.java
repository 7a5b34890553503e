package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static io.statehouse.api.it.ItKeys.ACME_BOB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.session.AgentSession;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.testing.LocalHttpServer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Waiting costs nothing: a session with nothing in flight leaves memory (also while a tool call
 * waits for a human's approval), one with a turn running stays.
 */
@ExtendWith(CassandraExtension.class)
class PassivationIT {
  private static StatehouseNode node;
  private static Api api;
  private static LocalHttpServer tools;

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    node =
        StatehouseNode.start(
            NodeConfig.full(keyspaces, 0, "statehouse.session.passivate-after = 2s"));
    api = new Api("127.0.0.1", node.port());
    api.putAgent(ACME_ALICE, "quick", Defs.agent("[]", "[" + Defs.text("ok") + "]", true, null));
    api.putAgent(
        ACME_ALICE, "slow", Defs.agent("[]", "[" + Defs.text("slowly ok") + "]", true, 6_000L));
    tools =
        new LocalHttpServer()
            .on("/pay", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"paid\":true}"));
    api.putTool(
        ACME_ALICE,
        "pay",
        "{\"description\":\"pays\",\"idempotent\":false,\"timeout\":\"5s\","
            + "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}},"
            + "\"http\":{\"method\":\"POST\",\"url\":\""
            + tools.url("/pay")
            + "\"}}");
    String guarded =
        Defs.agent(
            "[\"pay\"]",
            "[" + Defs.call("pay", "o-1") + "," + Defs.text("paid") + "]",
            false,
            null);
    api.putAgent(
        ACME_ALICE,
        "guarded",
        guarded.substring(0, guarded.length() - 1)
            + ",\"policies\":[{\"tool\":\"pay\",\"when\":\"true\","
            + "\"effect\":\"require_approval\",\"approvers\":[\"approver\"],"
            + "\"reason\":\"every payment\"}]}");
  }

  @AfterAll
  static void stop() {
    node.close();
    tools.close();
  }

  private static Set<String> liveSessions() {
    try {
      ShardRegion.CurrentShardRegionState state =
          AskPattern.<ClusterShardingQuery, ShardRegion.CurrentShardRegionState>ask(
                  ClusterSharding.get(node.system()).shardState(),
                  r -> new GetShardRegionState(AgentSession.ENTITY_TYPE, r),
                  Duration.ofSeconds(5),
                  node.system().scheduler())
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
      return state.getShards().stream()
          .flatMap(s -> s.getEntityIds().stream())
          .collect(Collectors.toSet());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void anIdleSessionLeavesMemoryAndComesBackIntactOnTheNextRequest() {
    String id = api.openSession(ACME_ALICE, "quick");
    api.post("/v1/sessions/" + id + "/messages", ACME_ALICE, "{\"content\":\"hi\"}");
    String entity = new SessionId("acme", id).entityId();
    assertTrue(liveSessions().contains(entity));

    Eventually.await(
        Duration.ofSeconds(20),
        "the idle session is passivated",
        () -> !liveSessions().contains(entity));

    Api.Response woken = api.get("/v1/sessions/" + id, ACME_ALICE);
    assertEquals(2, woken.body().path("messages").size());
    assertTrue(liveSessions().contains(entity));
  }

  @Test
  void aSessionWithATurnInFlightIsNotPassivated() throws Exception {
    String id = api.openSession(ACME_ALICE, "slow");
    api.post(
        "/v1/sessions/" + id + "/messages?wait=0", ACME_ALICE, "{\"content\":\"take your time\"}");
    String entity = new SessionId("acme", id).entityId();

    Thread.sleep(4_500);
    assertTrue(liveSessions().contains(entity), "still thinking after twice the idle timeout");
    Eventually.await(
        Duration.ofSeconds(20),
        "the turn completes",
        () -> "idle".equals(api.get("/v1/sessions/" + id, ACME_ALICE).text("status")));
  }

  @Test
  void aSessionAwaitingApprovalLeavesMemoryAndTheDecisionWakesItFromTheJournal() {
    String id = api.openSession(ACME_ALICE, "guarded");
    Api.Response waiting =
        api.post("/v1/sessions/" + id + "/messages?wait=30", ACME_ALICE, "{\"content\":\"pay\"}");
    assertEquals("awaiting_approval", waiting.text("status"), waiting.raw());
    String approvalId = waiting.body().path("approvals").get(0).path("id").asText();
    String entity = new SessionId("acme", id).entityId();

    Eventually.await(
        Duration.ofSeconds(20),
        "the session waiting for a human is passivated",
        () -> !liveSessions().contains(entity));
    assertEquals(0, tools.seen().size(), "nothing ran before the decision");

    Api.Response decided =
        api.post(
            "/v1/sessions/" + id + "/approvals/" + approvalId + "?wait=30",
            ACME_BOB,
            "{\"decision\":\"approve\"}");
    assertEquals(200, decided.status(), decided.raw());
    assertEquals("completed", decided.text("status"), decided.raw());
    assertEquals(1, tools.seen().size(), "the approved call ran once");
  }
}

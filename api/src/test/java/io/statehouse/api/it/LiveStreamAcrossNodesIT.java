package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.api.StatehouseNode;
import io.statehouse.api.it.StreamClient.Frame;
import io.statehouse.persistence.cassandra.launcher.FreePorts;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.session.AgentSession;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.testing.LocalHttpServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion.CurrentShardRegionState;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two nodes of one cluster: a client streams a session from the node it does not run on, and keeps
 * streaming when that session's node leaves and the session moves to the client's node.
 */
@ExtendWith(CassandraExtension.class)
class LiveStreamAcrossNodesIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static LocalHttpServer tools;
  private static StatehouseNode first;
  private static StatehouseNode second;

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    tools =
        new LocalHttpServer()
            .on(
                "/report",
                (ex, body) -> {
                  try {
                    Thread.sleep(8_000); // long enough to be cut off by the hand-off below
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  LocalHttpServer.respond(ex, 200, "{\"report\":\"ok\"}");
                });
    int[] remoting = FreePorts.pick(2);
    String seed = "pekko://statehouse@127.0.0.1:" + remoting[0];
    first =
        StatehouseNode.start(
            NodeConfig.full(
                keyspaces,
                0,
                "pekko.remote.artery.canonical.port = "
                    + remoting[0]
                    + "\npekko.cluster.seed-nodes = [\""
                    + seed
                    + "\"]"));
    second =
        StatehouseNode.start(
            NodeConfig.full(
                keyspaces,
                0,
                "pekko.remote.artery.canonical.port = "
                    + remoting[1]
                    + "\npekko.cluster.seed-nodes = [\""
                    + seed
                    + "\"]"));
    Api api = new Api("127.0.0.1", first.port());
    api.putTool(ACME_ALICE, "build_report", Defs.tool(tools.url("/report"), true, "20s"));
    api.putAgent(
        ACME_ALICE,
        "reporter",
        Defs.agent(
            "[\"build_report\"]",
            "["
                + Defs.call("build_report", "Q3")
                + ","
                + Defs.text("Report ready, all good.")
                + "]",
            true,
            200L));
  }

  @AfterAll
  static void stop() {
    if (first != null) {
      first.close();
    }
    if (second != null) {
      second.close();
    }
    if (tools != null) {
      tools.close();
    }
  }

  /** Whether the session's entity runs on {@code node}. */
  private static boolean runsOn(StatehouseNode node, SessionId id) throws Exception {
    CurrentShardRegionState state =
        AskPattern
            .<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery, CurrentShardRegionState>
                ask(
                    ClusterSharding.get(node.system()).shardState(),
                    r -> new GetShardRegionState(AgentSession.ENTITY_TYPE, r),
                    Duration.ofSeconds(10),
                    node.system().scheduler())
            .toCompletableFuture()
            .get(15, TimeUnit.SECONDS);
    return state.getShards().stream().anyMatch(s -> s.getEntityIds().contains(id.entityId()));
  }

  @Test
  void aStreamFollowsASessionOnAnotherNodeAndKeepsGoingWhenTheSessionMovesToItsOwnNode()
      throws Exception {
    Api viaFirst = new Api("127.0.0.1", first.port());
    // a session that lives on the second node, streamed through the first
    // the coordinator gives new shards to the second node only once its region has registered,
    // which may come a moment after both nodes are up: open sessions until one lands there
    SessionId[] found = new SessionId[1];
    Eventually.await(
        WAIT,
        "a session on the second node",
        () -> {
          SessionId candidate = new SessionId("acme", viaFirst.openSession(ACME_ALICE, "reporter"));
          try {
            if (runsOn(second, candidate)) {
              found[0] = candidate;
              return true;
            }
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L);
          return false;
        });
    SessionId session = found[0];
    List<Frame> seen = new ArrayList<>();
    try (StreamClient sse =
        StreamClient.sse(
            first.port(), "/v1/sessions/" + session.id() + "/stream", ACME_ALICE, null)) {
      viaFirst.post(
          "/v1/sessions/" + session.id() + "/messages?wait=0",
          ACME_ALICE,
          "{\"content\":\"the report\"}");
      seen.addAll(sse.untilEvent("ToolCallStarted", WAIT));
      assertTrue(
          seen.stream().anyMatch(f -> f.kind().equals("delta")),
          "deltas crossed the cluster: " + StreamClient.kindsOf(seen));

      // the session's node leaves while the tool works; the session resumes on the first node
      second.close();
      second = null;
      seen.addAll(sse.untilEvent("TurnCompleted", WAIT));
    }

    List<Long> seqs = seen.stream().filter(Frame::isEvent).map(Frame::seq).toList();
    assertEquals(
        LongStream.rangeClosed(1, seqs.size()).boxed().toList(),
        seqs,
        "every event once, in order: " + StreamClient.kindsOf(seen));
    assertTrue(
        seen.stream().anyMatch(f -> f.isEvent() && f.eventType().equals("TurnResumed")),
        "the turn was resumed on the first node: " + StreamClient.kindsOf(seen));
    assertTrue(runsOn(first, session));
  }
}

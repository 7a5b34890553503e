package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static io.statehouse.api.it.ItKeys.ACME_BOB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.statehouse.persistence.cassandra.launcher.FreePorts;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.testing.LocalHttpServer;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Approvals wait in the journal, not in a node: a node is SIGKILLed while two approvals are
 * pending. On a new node, a decision on the first completes its turn, with the refund run exactly
 * once; the second, whose deadline passed while no node ran, is denied by its durable timer without
 * anyone asking.
 */
@ExtendWith(CassandraExtension.class)
class ApprovalSurvivesNodeKillIT {
  private static final Duration NODE_START = Duration.ofSeconds(120);
  private static final Duration QUICK_DEADLINE = Duration.ofSeconds(6);

  private static LocalHttpServer tools;
  private static int httpPort;
  private static Config overrides;
  private static JournalProbe journal;
  private static Api api;

  @BeforeAll
  static void setUp(CassandraTestKeyspaces keyspaces) throws Exception {
    tools =
        new LocalHttpServer()
            .on("/refund-a", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"refund\":\"a\"}"))
            .on("/refund-b", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"refund\":\"b\"}"));
    httpPort = FreePorts.pick(1)[0];
    overrides =
        NodeConfig.overrides(
            keyspaces, httpPort, "statehouse.approvals.timer-poll-interval = 500ms");
    journal = new JournalProbe(keyspaces);
    api = new Api("127.0.0.1", httpPort);
  }

  @AfterAll
  static void tearDown() {
    tools.close();
    journal.close();
  }

  private static long hits(String path) {
    return tools.seen().stream().filter(s -> s.path().equals(path)).count();
  }

  private static void defineAgent(String name, String tool, String expiresAfter) {
    api.putTool(ACME_ALICE, tool, Defs.tool(tools.url("/" + tool), false, "5s"));
    api.putAgent(
        ACME_ALICE,
        name,
        "{\"model\":{\"provider\":\"scripted\",\"script\":["
            + Defs.call(tool, "order-1")
            + ","
            + Defs.text("finished")
            + "]},\"tools\":[\""
            + tool
            + "\"],\"policies\":[{\"tool\":\""
            + tool
            + "\",\"effect\":\"require_approval\",\"approvers\":[\"approver\"],"
            + "\"reason\":\"every refund needs an approver\",\"expiresAfter\":\""
            + expiresAfter
            + "\"}]}");
  }

  private static String awaitApproval(String agent, String[] sessionOut) {
    String id = api.openSession(ACME_ALICE, agent);
    sessionOut[0] = id;
    Api.Response r =
        api.post(
            "/v1/sessions/" + id + "/messages?wait=30", ACME_ALICE, "{\"content\":\"refund\"}");
    assertEquals("awaiting_approval", r.text("status"), r.raw());
    return r.body().path("approvals").get(0).path("id").asText();
  }

  @Test
  void aPendingApprovalOutlivesASigkilledNodeAndOneThatExpiredMeanwhileIsDeniedByItsTimer()
      throws Exception {
    String[] a = new String[1];
    String[] b = new String[1];
    String approvalA;
    Instant quickDeadline;
    try (NodeProcess first = NodeProcess.start("approval-first", overrides, httpPort, NODE_START)) {
      defineAgent("slow-refunds", "refund-a", "72h");
      defineAgent("quick-refunds", "refund-b", QUICK_DEADLINE.toSeconds() + "s");
      approvalA = awaitApproval("slow-refunds", a);
      awaitApproval("quick-refunds", b);
      quickDeadline = Instant.now().plus(QUICK_DEADLINE);
      first.kill();
    }
    SessionId sessionB = new SessionId("acme", b[0]);
    // the quick approval's deadline passes while no node runs
    while (Instant.now().isBefore(quickDeadline.plusSeconds(1))) {
      Thread.sleep(200);
    }
    assertEquals(0, journal.count(sessionB, "ApprovalDenied"), "nothing ran while no node was up");

    try (NodeProcess second =
        NodeProcess.start("approval-second", overrides, httpPort, NODE_START)) {
      Api.Response decided =
          api.post(
              "/v1/sessions/" + a[0] + "/approvals/" + approvalA + "?wait=60",
              ACME_BOB,
              "{\"decision\":\"approve\"}");
      assertEquals(200, decided.status(), decided.raw());
      assertEquals("completed", decided.text("status"), decided.raw());
      assertEquals(1, hits("/refund-a"), "the approved refund ran exactly once");

      Eventually.await(
          Duration.ofSeconds(60),
          "the expired approval is denied by its timer, with no request",
          () -> journal.count(sessionB, "TurnCompleted") == 1);
      assertEquals(1, journal.count(sessionB, "ApprovalDenied"));
      assertEquals(0, hits("/refund-b"), "an expired approval never runs its call");
      Api.Response state = api.get("/v1/sessions/" + b[0], ACME_ALICE);
      assertTrue(state.raw().contains("approval_expired"), state.raw());
      assertEquals("idle", state.text("status"));
    }
  }
}

package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import io.statehouse.persistence.cassandra.launcher.FreePorts;
import io.statehouse.runtime.testing.LocalHttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cassandra and the node both die right after a turn's 200 (a power-cut-like crash of the whole dev
 * run), and the next node starts its Cassandra again on the same data dir. Before the durable
 * commit log, about half of such crashes lost the turn's last events and the next node ran the
 * acknowledged turn again.
 */
class AcknowledgedTurnsSurviveCassandraAndNodeCrashIT {
  private static final int ROUNDS = 3;
  private static final Duration NODE_START = Duration.ofSeconds(150);

  private static LocalHttpServer tools;
  private static Path dir;
  private static Config overrides;
  private static int httpPort;
  private static Api api;

  @BeforeAll
  static void setUp() throws Exception {
    tools = CrashAgent.tools();
    int[] ports = FreePorts.pick(3);
    httpPort = ports[2];
    dir =
        Path.of("target", "cassandra-crash", UUID.randomUUID().toString().substring(0, 8))
            .toAbsolutePath();
    // as in the dev run: Cassandra outlives its node, so the test kills it itself
    overrides =
        NodeConfig.withOwnCassandra(dir, ports[0], ports[1], httpPort, "stop-with-parent = off");
    api = new Api("127.0.0.1", httpPort);
  }

  @AfterAll
  static void tearDown() throws Exception {
    killCassandra();
    tools.close();
  }

  /** SIGKILL of the Cassandra the last node started, named by its pid file. */
  private static void killCassandra() throws Exception {
    Path pidFile = dir.resolve("cassandra.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    long pid =
        Files.readAllLines(pidFile).stream()
            .filter(l -> l.startsWith("pid="))
            .mapToLong(l -> Long.parseLong(l.substring(4).trim()))
            .findFirst()
            .orElseThrow();
    ProcessHandle process = ProcessHandle.of(pid).orElse(null);
    if (process != null) {
      process.destroyForcibly();
      process.onExit().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void noAcknowledgedTurnIsLostOrRunAgainWhenCassandraAndTheNodeDieTogether() throws Exception {
    List<String[]> acknowledged = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      try (NodeProcess node = NodeProcess.start("both-" + round, overrides, httpPort, NODE_START)) {
        if (round == 0) {
          CrashAgent.register(api, tools);
        }
        String id = api.openSession(ACME_ALICE, CrashAgent.NAME);
        Api.Response turn =
            api.post("/v1/sessions/" + id + "/messages", ACME_ALICE, "{\"content\":\"go\"}");
        killCassandra();
        node.kill();
        assertEquals(200, turn.status(), turn.raw());
        assertEquals("completed", turn.text("status"), turn.raw());
        acknowledged.add(new String[] {id, turn.text("turnId")});
      }
    }

    try (NodeProcess node = NodeProcess.start("both-after", overrides, httpPort, NODE_START)) {
      for (String[] acked : acknowledged) {
        Trail trail = Trail.of(api, ACME_ALICE, acked[0]);
        trail.assertSound();
        trail.assertCompletedOnceNeverResumed(acked[1]);
        assertEquals(1, trail.count("ToolCallStarted"), "the tool ran once: " + trail.types());
      }
      String fresh = api.openSession(ACME_ALICE, CrashAgent.NAME);
      Api.Response after =
          api.post("/v1/sessions/" + fresh + "/messages", ACME_ALICE, "{\"content\":\"and now\"}");
      assertEquals("completed", after.text("status"), "new sessions start: " + after.raw());
      assertEquals(ROUNDS + 1, tools.seen().size(), "one tool call per turn, none repeated");
    }
  }
}

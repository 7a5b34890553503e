package io.statehouse.persistence.cassandra.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A node started with stop-with-parent on (the default) and then SIGKILLed must not leave its
 * Cassandra behind. The "node" is a separate JVM running LauncherMain, so it can really be killed.
 */
class StopsWithItsNodeIT {

  private static final Duration NODE_START_TIMEOUT = Duration.ofSeconds(180);

  /** ParentWatchingMain polls the parent (first poll after 0.3 s), then Cassandra drains ~7 s. */
  private static final Duration EXIT_AFTER_NODE_DEATH = Duration.ofSeconds(60);

  @Test
  void cassandraDrainsAndExitsWhenTheNodeThatStartedItIsKilled() throws Exception {
    Path dir =
        Path.of(
                "target",
                "cassandra-it",
                "node-death-" + UUID.randomUUID().toString().substring(0, 8))
            .toAbsolutePath();
    Files.createDirectories(dir);
    int[] ports = FreePorts.pick(2);
    Process node =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LauncherMain.class.getName(),
                "--data-dir=" + dir,
                "--cql-port=" + ports[0],
                "--storage-port=" + ports[1],
                "--heap=512M",
                "--stop-with-parent=on")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("node.log").toFile())
            .start();
    ProcessHandle cassandra = null;
    try {
      cassandra = awaitCassandraOf(node, dir, ports[0]);
      // the node's child, but leading its own session: the node's Ctrl-C does not reach it
      assertEquals(Optional.of(node.pid()), cassandra.parent().map(ProcessHandle::pid));
      assertEquals(Optional.of(cassandra.pid()), ServerProcesses.sessionId(cassandra.pid()));

      node.destroyForcibly();
      assertTrue(node.waitFor(30, TimeUnit.SECONDS));

      assertTrue(
          ServerProcesses.awaitExit(cassandra, EXIT_AFTER_NODE_DEATH),
          "Cassandra pid " + cassandra.pid() + " outlived its killed node");
      String systemLog = Files.readString(dir.resolve("logs/system.log"));
      assertTrue(
          systemLog.contains("Cassandra shutdown complete"), "Cassandra exited without draining");
    } finally {
      node.destroyForcibly();
      if (cassandra != null) {
        cassandra.destroyForcibly();
      }
    }
  }

  private static ProcessHandle awaitCassandraOf(Process node, Path dir, int cqlPort)
      throws Exception {
    long deadline = System.nanoTime() + NODE_START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!node.isAlive()) {
        fail(
            "the node exited with "
                + node.exitValue()
                + ":\n"
                + Files.readString(dir.resolve("node.log")));
      }
      Optional<PidFile> pidFile = PidFile.read(dir.resolve("cassandra.pid"));
      if (pidFile.isPresent() && PortProbe.accepts(cqlPort)) {
        return ProcessHandle.of(pidFile.get().pid()).orElseThrow();
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "the node's Cassandra did not come up:\n" + Files.readString(dir.resolve("node.log")));
  }
}

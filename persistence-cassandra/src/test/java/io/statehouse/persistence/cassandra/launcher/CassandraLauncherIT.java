package io.statehouse.persistence.cassandra.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The launcher against a real Cassandra: each test has its own base dir and ports. */
class CassandraLauncherIT {

  private static final Path ROOT = Path.of("target", "cassandra-it");

  /** Safety net: a failed assertion must not leave a server running after the test JVM. */
  private final List<Long> started = new ArrayList<>();

  @AfterEach
  void killWhatATestLeftBehind() {
    started.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  @Test
  void keepsRowsWrittenThroughTheDriverAcrossStopAndStart() {
    CassandraSettings settings = settings("restart");
    long firstPid;
    try (RunningCassandra first = start(settings)) {
      firstPid = first.pid();
      assertFalse(first.adopted());
      try (CqlSession session = TestCql.connect(first.contactPoint())) {
        session.execute(
            "CREATE KEYSPACE it_restart WITH replication = {'class': 'SimpleStrategy',"
                + " 'replication_factor': 1}");
        session.execute("CREATE TABLE it_restart.kv (k text PRIMARY KEY, v int)");
        session.execute("INSERT INTO it_restart.kv (k, v) VALUES ('survivor', 42)");
        assertEquals(42, readSurvivor(session));
      }
    }
    assertFalse(isAlive(firstPid), "stop() returned while Cassandra still ran");
    assertFalse(
        Files.exists(settings.baseDir().resolve("cassandra.pid")), "pid file left after stop");

    try (RunningCassandra second = start(settings);
        CqlSession session = TestCql.connect(second.contactPoint())) {
      assertNotEquals(firstPid, second.pid());
      assertEquals(42, readSurvivor(session));
    }
  }

  @Test
  void adoptsAServerWhoseOwnerDroppedItWithoutStopping() {
    CassandraSettings settings = settings("adopt").withStopWithParent(false);
    RunningCassandra abandoned = start(settings); // the owner "dies": the handle is never stopped

    try (RunningCassandra adopted = start(settings)) {
      assertTrue(adopted.adopted());
      assertEquals(abandoned.pid(), adopted.pid());
      try (CqlSession session = TestCql.connect(adopted.contactPoint())) {
        assertEquals(
            "5.0.6",
            session.execute("SELECT release_version FROM system.local").one().getString(0));
      }
      adopted.stop();
      assertFalse(isAlive(abandoned.pid()), "stop() of an adopted server left it running");
      assertTrue(PortProbe.isFree(settings.cqlPort()) && PortProbe.isFree(settings.storagePort()));
      assertFalse(Files.exists(settings.baseDir().resolve("cassandra.pid")));
    }
  }

  @Test
  void startsDespiteAPidFileNamingADeadProcess() throws Exception {
    CassandraSettings settings = settings("stale");
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Files.createDirectories(settings.baseDir());
    Path pidFile = settings.baseDir().resolve("cassandra.pid");
    new PidFile(gone.pid(), settings.cqlPort(), settings.storagePort(), Instant.now())
        .write(pidFile);

    try (RunningCassandra cassandra = start(settings)) {
      assertFalse(cassandra.adopted());
      assertTrue(PortProbe.accepts(cassandra.cqlPort()));
      assertEquals(cassandra.pid(), PidFile.read(pidFile).orElseThrow().pid());
    }
  }

  @Test
  void refusesAPortHeldByAForeignProcessNamingThePortAndTheSetting() throws Exception {
    try (ServerSocket foreign = new ServerSocket()) {
      foreign.bind(new InetSocketAddress(PortProbe.LOOPBACK, 0));
      int held = foreign.getLocalPort();
      int free = FreePorts.pick(1)[0];

      CassandraLaunchException cql =
          assertThrows(
              CassandraLaunchException.class, () -> start(settings("clash").withPorts(held, free)));
      assertTrue(cql.getMessage().contains("CQL port 127.0.0.1:" + held), cql.getMessage());
      assertTrue(
          cql.getMessage().contains("statehouse.cassandra.embedded.cql-port"), cql.getMessage());
      assertTrue(cql.getMessage().contains("STATEHOUSE_CASSANDRA_CQL_PORT"), cql.getMessage());
      assertTrue(
          cql.getMessage().contains("pid " + ProcessHandle.current().pid()), cql.getMessage());

      CassandraLaunchException storage =
          assertThrows(
              CassandraLaunchException.class, () -> start(settings("clash").withPorts(free, held)));
      assertTrue(
          storage.getMessage().contains("storage port 127.0.0.1:" + held), storage.getMessage());
      assertTrue(
          storage.getMessage().contains("STATEHOUSE_CASSANDRA_STORAGE_PORT"), storage.getMessage());
    }
  }

  private RunningCassandra start(CassandraSettings settings) {
    RunningCassandra cassandra = CassandraLauncher.start(settings);
    started.add(cassandra.pid());
    return cassandra;
  }

  private static CassandraSettings settings(String name) {
    int[] ports = FreePorts.pick(2);
    return CassandraSettings.fromConfig(ConfigFactory.load())
        .withBaseDir(ROOT.resolve(name + "-" + UUID.randomUUID().toString().substring(0, 8)))
        .withPorts(ports[0], ports[1])
        .withHeap("512M")
        .withStopWithParent(true);
  }

  private static int readSurvivor(CqlSession session) {
    return session.execute("SELECT v FROM it_restart.kv WHERE k = 'survivor'").one().getInt("v");
  }

  private static boolean isAlive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}

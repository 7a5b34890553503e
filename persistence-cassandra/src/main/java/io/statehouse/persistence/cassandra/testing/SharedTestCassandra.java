package io.statehouse.persistence.cassandra.testing;

import com.typesafe.config.ConfigFactory;
import io.statehouse.persistence.cassandra.launcher.CassandraLauncher;
import io.statehouse.persistence.cassandra.launcher.CassandraSettings;
import io.statehouse.persistence.cassandra.launcher.FreePorts;
import io.statehouse.persistence.cassandra.launcher.RunningCassandra;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The one Cassandra of a test JVM, started on first use and stopped when the JVM exits.
 *
 * <p>Fresh dir under target/cassandra-it and free ports, so parallel builds of different modules
 * never share a server. stop-with-parent is on: if the test JVM is killed, Cassandra still goes. A
 * failed start is remembered, so later test classes fail at once instead of each waiting for the
 * start timeout again.
 */
final class SharedTestCassandra {

  /** Overrides where test servers live; default target/cassandra-it of the working directory. */
  static final String DIR_PROPERTY = "statehouse.cassandra.test-dir";

  static final String HEAP = "512M";

  private static RunningCassandra server;
  private static RuntimeException startFailure;

  private SharedTestCassandra() {}

  static synchronized RunningCassandra get() {
    if (server != null) {
      return server;
    }
    if (startFailure != null) {
      throw new IllegalStateException(
          "the shared test Cassandra failed to start earlier", startFailure);
    }
    try {
      int[] ports = FreePorts.pick(2);
      Path dir =
          Path.of(System.getProperty(DIR_PROPERTY, "target/cassandra-it"))
              .resolve("shared-" + UUID.randomUUID().toString().substring(0, 8));
      CassandraSettings settings =
          CassandraSettings.fromConfig(ConfigFactory.load())
              .withBaseDir(dir)
              .withPorts(ports[0], ports[1])
              .withHeap(HEAP)
              .withStopWithParent(true);
      RunningCassandra started = CassandraLauncher.start(settings);
      Runtime.getRuntime()
          .addShutdownHook(new Thread(started::stop, "statehouse-test-cassandra-stop"));
      server = started;
      return server;
    } catch (RuntimeException e) {
      startFailure = e;
      throw e;
    }
  }
}

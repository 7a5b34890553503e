package io.statehouse.api.it;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import java.nio.file.Path;

/**
 * The configuration of a test node: the test class's keyspaces, test keys, its own ports, loopback
 * tool servers.
 */
public final class NodeConfig {
  /**
   * The tests' tool servers run on 127.0.0.1, which only the dev config opens; acme has one secret
   * for tests that register a header by reference.
   */
  static final String EGRESS =
      "statehouse.egress.default.allow-cidrs = [\"127.0.0.0/8\", \"::1/128\"]\n"
          + "statehouse.secrets.acme.IT_API_KEY = \"it-secret-value\"\n";

  private NodeConfig() {}

  /** Overrides on top of application.conf; {@code httpPort} 0 picks a free port. */
  public static Config overrides(
      CassandraTestKeyspaces keyspaces, int httpPort, String extraHocon) {
    return ConfigFactory.parseString(extraHocon)
        .withFallback(
            ConfigFactory.parseString(
                "statehouse.http.port = "
                    + httpPort
                    + "\n"
                    + "pekko.remote.artery.canonical.port = 0\n"
                    + "pekko.management.http.port = 0\n"
                    + "statehouse.demo.enabled = off\n"
                    + "statehouse.cassandra.embedded.enabled = off\n"
                    + EGRESS
                    // CI machines have 2 busy cores; a request may wait longer there than in
                    // production
                    + "statehouse.http.ask-timeout = 30s\n"))
        .withFallback(ItKeys.config())
        .withFallback(keyspaces.config());
  }

  public static Config full(CassandraTestKeyspaces keyspaces, int httpPort, String extraHocon) {
    return overrides(keyspaces, httpPort, extraHocon).withFallback(ConfigFactory.load()).resolve();
  }

  /**
   * A node that runs its own Cassandra in {@code dir} (the dev run's setup), on its own ports, with
   * the test keys; unresolved overrides on top of application.conf.
   */
  public static Config withOwnCassandra(
      Path dir, int cqlPort, int storagePort, int httpPort, String embeddedExtra) {
    return ConfigFactory.parseString(
            "statehouse.http.port = "
                + httpPort
                + "\n"
                + "pekko.remote.artery.canonical.port = 0\n"
                + "pekko.management.http.port = 0\n"
                + "statehouse.demo.enabled = off\n"
                + "statehouse.http.ask-timeout = 30s\n"
                + EGRESS
                + "statehouse.cassandra.embedded {\n"
                + "  enabled = on\n"
                + "  data-dir = \""
                + dir.toAbsolutePath()
                + "\"\n"
                + "  cql-port = "
                + cqlPort
                + "\n"
                + "  storage-port = "
                + storagePort
                + "\n"
                + "  heap = 512M\n"
                + embeddedExtra
                + "\n}\n")
        .withFallback(ItKeys.config());
  }
}

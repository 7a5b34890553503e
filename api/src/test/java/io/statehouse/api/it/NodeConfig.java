package io.statehouse.api.it;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;

/** The configuration of a test node: the test class's keyspaces, test keys, its own ports. */
public final class NodeConfig {
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
                    + "statehouse.demo.enabled = off\n"
                    + "statehouse.cassandra.embedded.enabled = off\n"
                    // CI machines have 2 busy cores; a request may wait longer there than in
                    // production
                    + "statehouse.http.ask-timeout = 30s\n"))
        .withFallback(ItKeys.config())
        .withFallback(keyspaces.config());
  }

  public static Config full(CassandraTestKeyspaces keyspaces, int httpPort, String extraHocon) {
    return overrides(keyspaces, httpPort, extraHocon).withFallback(ConfigFactory.load()).resolve();
  }
}

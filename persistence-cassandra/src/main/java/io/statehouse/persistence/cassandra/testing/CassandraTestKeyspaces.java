package io.statehouse.persistence.cassandra.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * The shared test Cassandra as one test class sees it: the server's address and keyspace names that
 * no other test class uses. The keyspaces are only named here; the Pekko plugin or the test creates
 * them.
 *
 * @param contactPoint 127.0.0.1 and the CQL port
 */
public record CassandraTestKeyspaces(
    InetSocketAddress contactPoint,
    String journalKeyspace,
    String snapshotKeyspace,
    String readSideKeyspace) {

  /** Cassandra's driver names the single SimpleSnitch data center so. */
  public static final String LOCAL_DATACENTER = "datacenter1";

  public int port() {
    return contactPoint.getPort();
  }

  /**
   * Driver contact point, local data center, and the three keyspaces, unresolved. Use it as the top
   * of the test's config: {@code keyspaces.config().withFallback(ConfigFactory.load())}.
   */
  public Config config() {
    return ConfigFactory.parseMap(
        Map.of(
            "datastax-java-driver.basic.contact-points",
                List.of(contactPoint.getHostString() + ":" + contactPoint.getPort()),
            "datastax-java-driver.basic.load-balancing-policy.local-datacenter", LOCAL_DATACENTER,
            "pekko.persistence.cassandra.journal.keyspace", journalKeyspace,
            "pekko.persistence.cassandra.snapshot.keyspace", snapshotKeyspace,
            "statehouse.cassandra.read-side.keyspace", readSideKeyspace),
        "CassandraExtension keyspaces for this test class");
  }

  /**
   * {@link #config()} on top of the journal's and read side's settings ({@code
   * statehouse/persistence.conf}) and the application's config, resolved: what a test that runs the
   * Pekko plugin or the read side on this class's keyspaces starts its actor system with.
   */
  public Config persistenceConfig() {
    return config()
        .withFallback(ConfigFactory.parseResources("statehouse/persistence.conf"))
        .withFallback(ConfigFactory.load())
        .resolve();
  }
}

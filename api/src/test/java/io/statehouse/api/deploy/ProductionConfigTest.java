package io.statehouse.api.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.statehouse.persistence.cassandra.journal.JournalDurability;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * production.conf, what the container image runs: it loads with the environment it documents and no
 * more, stops naming what is missing, and holds what a production node must: no demo, no keys,
 * three replicas, LOCAL_QUORUM, TLS to Cassandra, cluster bootstrap from the Kubernetes API.
 */
class ProductionConfigTest {

  @Test
  void loadsWithTheEnvironmentItDocuments() {
    Config config = ProductionConfig.load(ProductionConfig.REQUIRED_ENV);

    assertEquals(
        List.of("cassandra.db.svc.cluster.local:9042"),
        config.getStringList("statehouse.cassandra.contact-points"));
    // the driver reads its own key, which persistence.conf derives from ours
    assertEquals(
        List.of("cassandra.db.svc.cluster.local:9042"),
        config.getStringList("datastax-java-driver.basic.contact-points"));
    assertEquals(
        "eu-west",
        config.getString("datastax-java-driver.basic.load-balancing-policy.local-datacenter"));
    assertEquals(
        "/etc/statehouse/secrets/signing-keys.json",
        config.getString("statehouse.identity.signing-keys-file"));
    assertEquals(
        ProductionConfig.REQUIRED_ENV.get("STATEHOUSE_AUDIT_KEY"),
        config.getString("statehouse.audit.key"));
    assertFalse(config.getBoolean("statehouse.cassandra.embedded.enabled"));
    // a pod is reached on its IP
    assertEquals("0.0.0.0", config.getString("statehouse.http.interface"));
  }

  @Test
  void takesTheOptionalSettingsFromTheEnvironment() {
    Config config =
        ProductionConfig.load(
            ProductionConfig.requiredEnvWith(
                Map.of(
                    "STATEHOUSE_CASSANDRA_CONTACT_POINT_2", "10.0.0.2:9042",
                    "STATEHOUSE_CASSANDRA_CONTACT_POINT_3", "10.0.0.3:9042",
                    "STATEHOUSE_CASSANDRA_USERNAME", "statehouse",
                    "STATEHOUSE_CASSANDRA_PASSWORD", "cassandra-password",
                    "STATEHOUSE_CASSANDRA_TRUSTSTORE", "/etc/statehouse/secrets/ca.p12",
                    "STATEHOUSE_CASSANDRA_TRUSTSTORE_PASSWORD", "truststore-password",
                    "STATEHOUSE_SERVICE_NAME", "agents",
                    "STATEHOUSE_MANAGEMENT_PORT", "9558")));

    assertEquals(
        List.of("cassandra.db.svc.cluster.local:9042", "10.0.0.2:9042", "10.0.0.3:9042"),
        config.getStringList("datastax-java-driver.basic.contact-points"));
    assertEquals("statehouse", config.getString("statehouse.cassandra.username"));
    assertEquals("cassandra-password", config.getString("statehouse.cassandra.password"));
    Config ssl = config.getConfig("datastax-java-driver.advanced.ssl-engine-factory");
    assertEquals("/etc/statehouse/secrets/ca.p12", ssl.getString("truststore-path"));
    assertEquals("truststore-password", ssl.getString("truststore-password"));
    assertEquals(
        "agents",
        config.getString(
            "pekko.management.cluster.bootstrap.contact-point-discovery.service-name"));
    assertEquals(9558, config.getInt("pekko.management.http.port"));
  }

  @Test
  void stopsNamingTheVariableWhenARequiredOneIsMissing() {
    // the audit key is checked by the node itself (AuditKeyException), which also accepts a keyring
    for (String name :
        List.of(
            "STATEHOUSE_CASSANDRA_CONTACT_POINT",
            "STATEHOUSE_CASSANDRA_DC",
            "STATEHOUSE_SIGNING_KEYS_FILE")) {
      Map<String, String> env = new HashMap<>(ProductionConfig.REQUIRED_ENV);
      env.remove(name);

      ConfigException e = assertThrows(ConfigException.class, () -> ProductionConfig.load(env));
      assertTrue(e.getMessage().contains(name), name + ": " + e.getMessage());
    }
  }

  @Test
  void hasNoDemoAndNoneOfTheDemoKeys() {
    Config config = ProductionConfig.load(ProductionConfig.REQUIRED_ENV);
    List<String> demoKeys =
        ConfigFactory.parseResources("dev.conf").getConfigList("statehouse.api.keys").stream()
            .map(key -> key.getString("sha256"))
            .toList();
    assertEquals(
        io.statehouse.api.demo.DemoContent.DEMO_KEYS.size(),
        demoKeys.size(),
        "dev.conf still holds the demo keys this test looks for");

    assertFalse(config.getBoolean("statehouse.demo.enabled"));
    assertEquals(List.of(), config.getConfigList("statehouse.api.keys"));
    assertTrue(
        config
            .root()
            .render(ConfigRenderOptions.concise())
            .lines()
            .noneMatch(line -> demoKeys.stream().anyMatch(line::contains)),
        "no demo key hash anywhere in the configuration");
    // keys are never generated into a container's file system
    assertEquals("", config.getString("statehouse.audit.generated-key-file"));
  }

  @Test
  void noSecretHasAValueThatDoesNotComeFromTheEnvironment() {
    Config config = ProductionConfig.load(ProductionConfig.REQUIRED_ENV);

    assertEquals("", config.getString("statehouse.cassandra.password"));
    Config ssl = config.getConfig("datastax-java-driver.advanced.ssl-engine-factory");
    assertFalse(ssl.hasPath("truststore-password"));
    assertFalse(ssl.hasPath("keystore-password"));
    assertFalse(config.hasPath("datastax-java-driver.advanced.auth-provider.password"));
  }

  @Test
  void journalAndSnapshotsReadAndWriteAtLocalQuorum() {
    Config config = ProductionConfig.load(ProductionConfig.REQUIRED_ENV);
    Config plugin = config.getConfig("pekko.persistence.cassandra");

    // the journal's reads and writes, the events endpoint's query, the snapshot store
    for (String profile :
        List.of(
            plugin.getString("read-profile"),
            plugin.getString("write-profile"),
            plugin.getString("query.read-profile"),
            plugin.getString("snapshot.read-profile"),
            plugin.getString("snapshot.write-profile"))) {
      assertEquals("LOCAL_QUORUM", consistency(config, profile), profile);
    }
    // the read side uses the driver's default profile
    assertEquals(
        "LOCAL_QUORUM", config.getString("datastax-java-driver.basic.request.consistency"));
  }

  @Test
  void createsKeyspacesWithThreeReplicasInTheLocalDataCenter() {
    Config config = ProductionConfig.load(ProductionConfig.REQUIRED_ENV);

    for (String store : List.of("journal", "snapshot")) {
      Config c = config.getConfig("pekko.persistence.cassandra." + store);
      assertEquals("NetworkTopologyStrategy", c.getString("replication-strategy"), store);
      assertEquals(List.of("eu-west:3"), c.getStringList("data-center-replication-factors"), store);
    }
    // the node's own durability check at start finds nothing to warn about in these settings,
    // even with Cassandra's default commit log
    Config plugin = config.getConfig("pekko.persistence.cassandra");
    JournalDurability.Facts facts =
        new JournalDurability.Facts(
            plugin.getString("journal.keyspace"),
            Optional.of(3),
            consistency(config, plugin.getString("write-profile")),
            consistency(config, plugin.getString("read-profile")),
            Optional.of("periodic"));
    assertEquals(List.of(), JournalDurability.warnings(facts));
  }

  @Test
  void turnsTlsOnWithHostnameValidation() {
    Config ssl =
        ProductionConfig.load(ProductionConfig.REQUIRED_ENV)
            .getConfig("datastax-java-driver.advanced.ssl-engine-factory");

    assertEquals("DefaultSslEngineFactory", ssl.getString("class"));
    assertTrue(ssl.getBoolean("hostname-validation"));
  }

  @Test
  void theDriverOpensEveryConnectionToCassandraWithATlsHandshake(@TempDir Path dir)
      throws Exception {
    // a truststore as an operator mounts it: its path and password come from the environment
    Path truststore = dir.resolve("cassandra-truststore.p12");
    KeyStore empty = KeyStore.getInstance("PKCS12");
    empty.load(null, "truststore-password".toCharArray());
    try (OutputStream out = Files.newOutputStream(truststore)) {
      empty.store(out, "truststore-password".toCharArray());
    }
    try (ServerSocket cassandra = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Config config =
          ProductionConfig.load(
                  ProductionConfig.requiredEnvWith(
                      Map.of(
                          "STATEHOUSE_CASSANDRA_CONTACT_POINT",
                          "127.0.0.1:" + cassandra.getLocalPort(),
                          "STATEHOUSE_CASSANDRA_TRUSTSTORE",
                          truststore.toString(),
                          "STATEHOUSE_CASSANDRA_TRUSTSTORE_PASSWORD",
                          "truststore-password")))
              // one attempt: this listener is no Cassandra
              .withValue(
                  "datastax-java-driver.advanced.reconnect-on-init",
                  ConfigValueFactory.fromAnyRef(false));
      CompletableFuture<byte[]> firstBytes = CompletableFuture.supplyAsync(() -> read(cassandra));

      CompletionStage<CqlSession> session =
          CqlSession.builder()
              .withConfigLoader(
                  DriverConfigLoader.fromString(
                      "datastax-java-driver = "
                          + config
                              .getConfig("datastax-java-driver")
                              .root()
                              .render(ConfigRenderOptions.concise())))
              .buildAsync();
      try {
        byte[] hello = firstBytes.get(30, TimeUnit.SECONDS);
        // a TLS record of type handshake (22), protocol major version 3, carrying a ClientHello
        // (1);
        // a CQL connection in the clear would start with a protocol version byte and OPTIONS
        assertEquals(22, hello[0], "TLS handshake record");
        assertEquals(3, hello[1], "TLS version major");
        assertEquals(1, hello[5], "ClientHello");
      } finally {
        session.toCompletableFuture().handle((s, e) -> s == null ? null : s.closeAsync());
      }
    }
  }

  /** The first six bytes a client sends: a TLS record header and the handshake's type. */
  private static byte[] read(ServerSocket server) {
    try {
      server.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
      try (Socket client = server.accept();
          InputStream in = client.getInputStream()) {
        return in.readNBytes(6);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A driver profile's consistency as the node's config sets it, else the default profile's. */
  private static String consistency(Config config, String profile) {
    String inProfile = "datastax-java-driver.profiles." + profile + ".basic.request.consistency";
    return config.hasPath(inProfile)
        ? config.getString(inProfile)
        : config.getString("datastax-java-driver.basic.request.consistency");
  }
}

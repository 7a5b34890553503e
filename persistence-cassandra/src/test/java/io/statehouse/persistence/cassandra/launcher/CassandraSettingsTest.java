package io.statehouse.persistence.cassandra.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CassandraSettingsTest {

  @Test
  void defaultsToADevServerOnTheStandardPortsThatIsOffUntilEnabled() {
    Config config = ConfigFactory.defaultReference();
    CassandraSettings settings = CassandraSettings.fromConfig(config);

    assertFalse(CassandraSettings.enabledIn(config));
    assertEquals(Path.of("var/cassandra").toAbsolutePath(), settings.baseDir());
    assertEquals(9042, settings.cqlPort());
    assertEquals(7000, settings.storagePort());
    assertEquals("1G", settings.heap());
    assertEquals(Duration.ofSeconds(120), settings.startTimeout());
    assertEquals("statehouse", settings.clusterName());
    assertEquals(Optional.empty(), settings.javaHome());
    assertTrue(settings.stopWithParent());
    assertEquals(CommitLogSync.Mode.BATCH, settings.commitLog().mode());
    assertTrue(settings.commitLog().durable(), "an acknowledged write is synced by default");
  }

  @Test
  void refusesToStartAnEmbeddedServerWhereNoneIsInstalled() {
    // the container image sets available = off: its recorded server classpath points into the
    // build machine's ~/.m2, so the launcher would fail later with a misleading "rebuild" hint
    Config config =
        ConfigFactory.parseMap(
                Map.of(
                    "statehouse.cassandra.embedded.enabled", true,
                    "statehouse.cassandra.embedded.available", false))
            .withFallback(ConfigFactory.defaultReference());

    CassandraLaunchException e =
        assertThrows(CassandraLaunchException.class, () -> CassandraSettings.enabledIn(config));
    assertTrue(e.getMessage().contains("carries no Cassandra server"), e.getMessage());
    assertTrue(e.getMessage().contains("statehouse.cassandra.contact-points"), e.getMessage());
  }

  @Test
  void anInstallationWithoutAServerStillRunsAgainstAnExternalCassandra() {
    Config config =
        ConfigFactory.parseMap(Map.of("statehouse.cassandra.embedded.available", false))
            .withFallback(ConfigFactory.defaultReference());

    assertFalse(CassandraSettings.enabledIn(config));
  }

  @Test
  void takesOverridesFromTheApplication() {
    Config config =
        ConfigFactory.parseMap(
                Map.of(
                    "statehouse.cassandra.embedded.cql-port", 19042,
                    "statehouse.cassandra.embedded.java-home", "/opt/jdk17",
                    "statehouse.cassandra.embedded.heap", "768M"))
            .withFallback(ConfigFactory.defaultReference());
    CassandraSettings settings = CassandraSettings.fromConfig(config);

    assertEquals(19042, settings.cqlPort());
    assertEquals(Optional.of(Path.of("/opt/jdk17")), settings.javaHome());
    assertEquals("768M", settings.heap());
  }

  @Test
  void rejectsOnePortForBothListeners() {
    CassandraSettings defaults = CassandraSettings.fromConfig(ConfigFactory.defaultReference());
    assertThrows(IllegalArgumentException.class, () -> defaults.withPorts(9042, 9042));
  }

  @Test
  void namesTheAllowedCommitLogModesWhenGivenAnotherAndOnlyPeriodicIsNotDurable() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> CommitLogSync.of("fsync-sometimes", Duration.ofMillis(2)));
    assertTrue(e.getMessage().contains("batch, group or periodic"), e.getMessage());
    assertFalse(CommitLogSync.of("periodic", Duration.ofSeconds(10)).durable());
    assertTrue(CommitLogSync.of("group", Duration.ofMillis(2)).durable());
    assertThrows(IllegalArgumentException.class, () -> CommitLogSync.of("group", Duration.ZERO));
  }

  @Test
  void rejectsAHeapTheJvmWouldNotUnderstand() {
    CassandraSettings defaults = CassandraSettings.fromConfig(ConfigFactory.defaultReference());
    assertThrows(IllegalArgumentException.class, () -> defaults.withHeap("1 GB"));
  }
}

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

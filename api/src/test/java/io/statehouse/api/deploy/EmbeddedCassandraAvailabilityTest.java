package io.statehouse.api.deploy;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.persistence.cassandra.launcher.CassandraLaunchException;
import io.statehouse.persistence.cassandra.launcher.CassandraSettings;
import org.junit.jupiter.api.Test;

/**
 * The dev run (deploy/dev.sh, dev.conf) still starts its own Cassandra; the same configuration in
 * the container image, whose entrypoint passes -Dstatehouse.cassandra.embedded.available=off, stops
 * with a message instead of looking for server jars in a build machine's ~/.m2.
 */
class EmbeddedCassandraAvailabilityTest {

  @Test
  void theDevRunStartsItsOwnCassandra() {
    assertTrue(CassandraSettings.enabledIn(ConfigFactory.load("dev.conf")));
  }

  @Test
  void theImageRefusesToStartOneAndSaysWhy() {
    // the entrypoint sets it as a system property, which overrides every config file
    Config inTheImage =
        ConfigFactory.parseString("statehouse.cassandra.embedded.available = off")
            .withFallback(ConfigFactory.load("dev.conf"));

    CassandraLaunchException e =
        assertThrows(CassandraLaunchException.class, () -> CassandraSettings.enabledIn(inTheImage));
    assertTrue(e.getMessage().contains("container image"), e.getMessage());
  }
}

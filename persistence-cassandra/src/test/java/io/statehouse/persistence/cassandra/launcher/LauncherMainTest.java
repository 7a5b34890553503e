package io.statehouse.persistence.cassandra.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LauncherMainTest {

  @Test
  void argumentsOverrideTheEmbeddedBlock() {
    CassandraSettings settings =
        CassandraSettings.fromConfig(
            LauncherMain.config(
                new String[] {"--cql-port=9142", "--data-dir=/tmp/c2", "--heap=2G"}));

    assertEquals(9142, settings.cqlPort());
    assertEquals(Path.of("/tmp/c2"), settings.baseDir());
    assertEquals("2G", settings.heap());
    assertEquals(7000, settings.storagePort());
  }

  @Test
  void rejectsAnArgumentThatIsNotKeyValue() {
    assertThrows(IllegalArgumentException.class, () -> LauncherMain.config(new String[] {"9142"}));
  }
}

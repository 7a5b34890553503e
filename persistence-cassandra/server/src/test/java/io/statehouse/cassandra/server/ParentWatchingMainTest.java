package io.statehouse.cassandra.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ParentWatchingMainTest {

  @Test
  void exitsWithoutStartingCassandraWhenItsParentIsAlreadyGone() throws Exception {
    Process parent = new ProcessBuilder("true").start();
    parent.waitFor();

    // No Cassandra jars on this classpath: reaching CassandraDaemon would fail with exit code 1.
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process main =
        new ProcessBuilder(
                java.toString(),
                "-D" + CassandraServerLayout.PARENT_PID_PROPERTY + "=" + parent.pid(),
                "-cp",
                System.getProperty("java.class.path"),
                CassandraServerLayout.MAIN_CLASS)
            .redirectErrorStream(true)
            .start();

    assertTrue(main.waitFor(30, TimeUnit.SECONDS), "ParentWatchingMain did not exit");
    String output = new String(main.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, main.exitValue(), output);
    assertTrue(output.contains("parent process " + parent.pid() + " is gone"), output);
  }
}

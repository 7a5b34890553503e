package io.statehouse.persistence.cassandra.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerClasspathTest {

  @Test
  void startsWithTheServerModuleThenCassandrasJarsAllOfWhichExist() {
    List<Path> entries = ServerClasspath.entries();

    Path module = entries.get(0);
    assertTrue(
        Files.isDirectory(module.resolve("io/statehouse/cassandra/server"))
            || module.getFileName().toString().startsWith("statehouse-cassandra-server"),
        "first entry is not the server module: " + module);
    assertTrue(
        entries.stream()
            .anyMatch(p -> p.getFileName().toString().equals("cassandra-all-5.0.6.jar")),
        "cassandra-all is missing");
    entries.forEach(p -> assertTrue(Files.exists(p), p + " does not exist"));
  }

  @Test
  void findsTheModuleFromAJarOrADirectoryResource() throws Exception {
    assertEquals(
        Path.of("/repo/statehouse-cassandra-server.jar"),
        ServerClasspath.moduleLocation(
            new URL(
                "jar:file:/repo/statehouse-cassandra-server.jar!/"
                    + "statehouse/cassandra-server.classpath")));
    assertEquals(
        Path.of("/work/server/target/classes"),
        ServerClasspath.moduleLocation(
            new URL("file:/work/server/target/classes/statehouse/cassandra-server.classpath")));
  }

  @Test
  void splitsTheRecordedLineOnThePathSeparator() {
    assertEquals(
        List.of(Path.of("/a.jar"), Path.of("/b c.jar")),
        ServerClasspath.parse("/a.jar:/b c.jar\n"));
  }
}

package io.statehouse.persistence.cassandra.launcher;

import io.statehouse.cassandra.server.CassandraServerLayout;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Cassandra child JVM's classpath: the statehouse-cassandra-server jar (or classes dir) for
 * ParentWatchingMain, then the server jars it recorded at build time.
 *
 * <p>The record is a resource of that module ({@value CassandraServerLayout#CLASSPATH_RESOURCE}):
 * one line of absolute paths into the local Maven repository, separated by the platform path
 * separator, written by maven-dependency-plugin's build-classpath goal. The paths are valid on the
 * machine that built the module, which is the machine that runs dev mode and tests.
 */
final class ServerClasspath {

  private static final String REBUILD_HINT =
      "run `mvn -pl persistence-cassandra/server install` on this machine to download them again";

  private ServerClasspath() {}

  static List<Path> entries() {
    URL resource =
        CassandraServerLayout.class.getResource("/" + CassandraServerLayout.CLASSPATH_RESOURCE);
    if (resource == null) {
      throw new CassandraLaunchException(
          "resource "
              + CassandraServerLayout.CLASSPATH_RESOURCE
              + " is missing from statehouse-cassandra-server; "
              + "was that module built with Maven (generate-resources writes it)?");
    }
    List<Path> entries = new ArrayList<>();
    entries.add(moduleLocation(resource));
    List<Path> recorded = parse(readText(resource));
    if (recorded.isEmpty()) {
      throw new CassandraLaunchException(
          "the recorded Cassandra server classpath (" + resource + ") is empty");
    }
    for (Path jar : recorded) {
      if (!Files.exists(jar)) {
        throw new CassandraLaunchException(
            "Cassandra server jar "
                + jar
                + " (recorded at build time) does not exist; "
                + REBUILD_HINT);
      }
    }
    entries.addAll(recorded);
    return entries;
  }

  static List<Path> parse(String recorded) {
    List<Path> paths = new ArrayList<>();
    for (String entry : recorded.trim().split(File.pathSeparator)) {
      if (!entry.isBlank()) {
        paths.add(Path.of(entry.trim()));
      }
    }
    return paths;
  }

  /**
   * The jar or classes dir the resource came from: {@code jar:file:/x.jar!/statehouse/...} when the
   * module is a jar (installed, or packaged in the reactor), {@code file:/.../target/classes/
   * statehouse/...} when an IDE or the reactor put its classes dir on the classpath.
   */
  static Path moduleLocation(URL resource) {
    try {
      switch (resource.getProtocol()) {
        case "jar":
          JarURLConnection connection = (JarURLConnection) resource.openConnection();
          return Path.of(connection.getJarFileURL().toURI());
        case "file":
          Path file = Path.of(resource.toURI());
          int depth = Path.of(CassandraServerLayout.CLASSPATH_RESOURCE).getNameCount();
          Path root = file;
          for (int i = 0; i < depth; i++) {
            root = root.getParent();
          }
          return root;
        default:
          throw new CassandraLaunchException(
              "cannot tell where statehouse-cassandra-server lives from "
                  + resource
                  + "; it must be a jar or a directory on the classpath");
      }
    } catch (IOException | URISyntaxException e) {
      throw new CassandraLaunchException(
          "cannot locate statehouse-cassandra-server from " + resource, e);
    }
  }

  private static String readText(URL resource) {
    try (InputStream in = resource.openStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }
}

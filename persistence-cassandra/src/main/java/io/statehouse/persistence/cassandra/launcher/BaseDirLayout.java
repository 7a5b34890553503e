package io.statehouse.persistence.cassandra.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where everything of one Cassandra lives inside its base dir.
 *
 * <p>{@code root} is a real path (symlinks resolved) because the adoption check compares it with
 * the command line of a running process: two spellings of one folder must not look like two
 * servers.
 */
record BaseDirLayout(Path root) {

  static BaseDirLayout create(Path baseDir) {
    try {
      Files.createDirectories(baseDir);
      BaseDirLayout layout = new BaseDirLayout(baseDir.toRealPath());
      Files.createDirectories(layout.conf());
      Files.createDirectories(layout.data());
      Files.createDirectories(layout.logs());
      return layout;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create Cassandra base dir " + baseDir, e);
    }
  }

  Path conf() {
    return root.resolve("conf");
  }

  Path cassandraYaml() {
    return conf().resolve("cassandra.yaml");
  }

  Path logbackXml() {
    return conf().resolve("logback.xml");
  }

  /** Cassandra's storage dir: data/data, data/commitlog, data/hints, data/saved_caches... */
  Path data() {
    return root.resolve("data");
  }

  Path logs() {
    return root.resolve("logs");
  }

  /** Cassandra's own log (logback FILE appender, appended across starts). */
  Path systemLog() {
    return logs().resolve("system.log");
  }

  /** The JVM's stdout and stderr of the latest start: warnings, errors, JVM crash output. */
  Path consoleLog() {
    return logs().resolve("console.log");
  }

  Path pidFile() {
    return root.resolve("cassandra.pid");
  }

  /** Held only while a launcher decides and starts, so two launchers never race on one dir. */
  Path lockFile() {
    return root.resolve("launcher.lock");
  }
}

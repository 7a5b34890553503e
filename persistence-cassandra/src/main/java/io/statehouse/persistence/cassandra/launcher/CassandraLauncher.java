package io.statehouse.persistence.cassandra.launcher;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a single-node Cassandra 5.0 as a child JVM, or adopts the one a previous launcher left
 * running in the same base dir.
 *
 * <p>Cassandra's jars never join the caller's classpath: the child JVM gets them from the classpath
 * recorded by statehouse-cassandra-server. The child runs in its own session (setsid), writes its
 * console to logs/console.log, and is considered up when its CQL port accepts TCP.
 */
public final class CassandraLauncher {

  private static final Logger log = LoggerFactory.getLogger(CassandraLauncher.class);

  /** Between readiness checks; Cassandra needs several seconds, so finer polling buys nothing. */
  private static final Duration POLL = Duration.ofMillis(200);

  private static final int LOG_TAIL_LINES = 40;

  /** In-JVM guard per base dir; the file lock alone throws when one JVM locks a file twice. */
  private static final Map<Path, Object> DIR_GUARDS = new ConcurrentHashMap<>();

  private CassandraLauncher() {}

  /**
   * Returns a Cassandra listening on 127.0.0.1:{@code settings.cqlPort()}, started now or adopted.
   *
   * @throws CassandraLaunchException if a port belongs to another process, no JDK 11/17 is found,
   *     the server exits during startup, or it is not up within start-timeout (it is killed then)
   */
  public static RunningCassandra start(CassandraSettings settings) {
    BaseDirLayout layout = BaseDirLayout.create(settings.baseDir());
    synchronized (DIR_GUARDS.computeIfAbsent(layout.root(), dir -> new Object())) {
      try (FileChannel lockChannel =
          FileChannel.open(
              layout.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        FileLock lock = lockChannel.lock();
        try {
          Optional<RunningCassandra> adopted = Leftovers.adoptOrClear(settings, layout);
          if (adopted.isPresent()) {
            return adopted.get();
          }
          PortProbe.requireFree(settings);
          return launch(settings, layout);
        } finally {
          lock.release();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot lock " + layout.lockFile(), e);
      }
    }
  }

  private static RunningCassandra launch(CassandraSettings settings, BaseDirLayout layout)
      throws IOException {
    Path java = JdkLocator.javaExecutable(settings.javaHome());
    List<Path> classpath = new ArrayList<>();
    classpath.add(layout.conf());
    classpath.addAll(ServerClasspath.entries());
    ServerConfigFiles.write(settings, layout);
    OptionalLong parentPid =
        settings.stopWithParent()
            ? OptionalLong.of(ProcessHandle.current().pid())
            : OptionalLong.empty();
    List<String> command = ServerCommand.build(java, settings, layout, classpath, parentPid);

    long started = System.nanoTime();
    Process process =
        new ProcessBuilder(command)
            .directory(layout.root().toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(layout.consoleLog().toFile()))
            .start();
    // Written before waiting, so a node killed mid-start leaves a pid the next start can clean up.
    new PidFile(process.pid(), settings.cqlPort(), settings.storagePort(), Instant.now())
        .write(layout.pidFile());
    log.info(
        "Starting Cassandra pid {} in {} (CQL 127.0.0.1:{}, storage {}, heap {}, {})",
        process.pid(),
        layout.root(),
        settings.cqlPort(),
        settings.storagePort(),
        settings.heap(),
        java);

    awaitCql(process, settings, layout, started);
    log.info(
        "Cassandra pid {} accepts CQL on 127.0.0.1:{} after {} ms",
        process.pid(),
        settings.cqlPort(),
        Duration.ofNanos(System.nanoTime() - started).toMillis());
    return new RunningCassandra(process.toHandle(), settings, layout, false);
  }

  private static void awaitCql(
      Process process, CassandraSettings settings, BaseDirLayout layout, long started) {
    long deadline = started + settings.startTimeout().toNanos();
    while (!PortProbe.accepts(settings.cqlPort())) {
      if (!process.isAlive()) {
        PidFile.deleteIfNames(layout.pidFile(), process.pid());
        throw failure(
            "Cassandra exited with code " + process.exitValue() + " during startup", layout);
      }
      if (System.nanoTime() > deadline) {
        abandon(process, settings, layout);
        throw failure(
            "Cassandra did not accept CQL on 127.0.0.1:"
                + settings.cqlPort()
                + " within "
                + settings.startTimeout()
                + " (statehouse.cassandra.embedded.start-timeout); killed it",
            layout);
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        abandon(process, settings, layout);
        throw new CassandraLaunchException("interrupted while waiting for Cassandra to start", e);
      }
    }
  }

  private static void abandon(Process process, CassandraSettings settings, BaseDirLayout layout) {
    ServerProcesses.terminate(process.toHandle(), settings.stopTimeout());
    PidFile.deleteIfNames(layout.pidFile(), process.pid());
  }

  private static CassandraLaunchException failure(String what, BaseDirLayout layout) {
    return new CassandraLaunchException(
        what
            + ". Last lines of "
            + layout.consoleLog()
            + " (full log: "
            + layout.systemLog()
            + "):\n"
            + tail(layout.consoleLog(), LOG_TAIL_LINES));
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + file + ": " + e.getMessage() + ")";
    }
  }
}

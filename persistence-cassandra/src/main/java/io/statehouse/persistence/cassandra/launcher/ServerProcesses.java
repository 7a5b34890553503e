package io.statehouse.persistence.cassandra.launcher;

import io.statehouse.cassandra.server.CassandraServerLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Recognising and stopping Cassandra processes by pid (Linux /proc). */
final class ServerProcesses {

  /** A SIGKILLed process is gone within milliseconds; this only bounds a stuck kernel. */
  private static final Duration AFTER_KILL_WAIT = Duration.ofSeconds(10);

  private ServerProcesses() {}

  /** The argv of a live process, or empty when it is gone or unreadable. */
  static Optional<List<String>> commandLine(long pid) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      if (raw.length == 0) {
        return Optional.empty(); // a zombie, or a kernel thread
      }
      return Optional.of(Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0")));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether {@code pid} is a Cassandra JVM whose storage dir is this base dir's. Pids are reused,
   * so a pid file alone proves nothing: the process must also be a Cassandra for this very dir.
   */
  static boolean isServerFor(long pid, BaseDirLayout layout) {
    return commandLine(pid).map(argv -> isServerCommand(argv, layout)).orElse(false);
  }

  static boolean isServerCommand(List<String> argv, BaseDirLayout layout) {
    boolean cassandraMain =
        argv.contains(CassandraServerLayout.MAIN_CLASS)
            || argv.contains("org.apache.cassandra.service.CassandraDaemon");
    return cassandraMain && argv.contains(ServerCommand.storageDirFlag(layout));
  }

  /** The pid a server watches (stop-with-parent), from its -Dstatehouse.parent-pid flag. */
  static OptionalLong watchedParent(long pid) {
    String flag = "-D" + CassandraServerLayout.PARENT_PID_PROPERTY + "=";
    return commandLine(pid).stream()
        .flatMap(List::stream)
        .filter(arg -> arg.startsWith(flag))
        .mapToLong(arg -> Long.parseLong(arg.substring(flag.length())))
        .findFirst();
  }

  /** The session id (field 6 of /proc/pid/stat); a setsid-started process leads its own session. */
  static Optional<Long> sessionId(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // the command name (field 2) is in parentheses and may contain spaces
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Optional.of(Long.parseLong(fields[3]));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * SIGTERM, wait up to {@code grace} for Cassandra to drain and exit, then SIGKILL.
   *
   * @return true if the process is gone
   */
  static boolean terminate(ProcessHandle process, Duration grace) {
    if (!process.isAlive()) {
      return true;
    }
    process.destroy();
    if (awaitExit(process, grace)) {
      return true;
    }
    process.destroyForcibly();
    return awaitExit(process, AFTER_KILL_WAIT);
  }

  static boolean awaitExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return !process.isAlive();
    } catch (ExecutionException e) {
      return !process.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }
}

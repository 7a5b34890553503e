package io.statehouse.persistence.cassandra.launcher;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deals with whatever a previous launcher left in a base dir, so that "start, SIGKILL the node,
 * start again" never meets a port clash or two servers on one data dir.
 *
 * <ul>
 *   <li>no pid file: nothing to do;
 *   <li>pid dead, or reused by another program: remove the stale file (Cassandra replays its commit
 *       log on the next start);
 *   <li>our server, on the requested ports, answering CQL within adopt-timeout, and not bound to a
 *       dead parent: adopt it;
 *   <li>our server but half started, draining, on other ports, or about to stop with its dead
 *       parent: stop it, then start fresh.
 * </ul>
 */
final class Leftovers {

  private static final Logger log = LoggerFactory.getLogger(Leftovers.class);

  /** Between connect attempts while a leftover server gets its chance to answer. */
  private static final Duration POLL = Duration.ofMillis(200);

  private Leftovers() {}

  static Optional<RunningCassandra> adoptOrClear(CassandraSettings settings, BaseDirLayout layout) {
    PidFile recorded;
    try {
      Optional<PidFile> read = PidFile.read(layout.pidFile());
      if (read.isEmpty()) {
        return Optional.empty();
      }
      recorded = read.get();
    } catch (IllegalArgumentException e) {
      log.warn("Ignoring unreadable {}: {}", layout.pidFile(), e.getMessage());
      PidFile.delete(layout.pidFile());
      return Optional.empty();
    }

    Optional<ProcessHandle> alive = ProcessHandle.of(recorded.pid()).filter(ProcessHandle::isAlive);
    if (alive.isEmpty() || !ServerProcesses.isServerFor(recorded.pid(), layout)) {
      log.info(
          "Removing stale {}: pid {} is {}",
          layout.pidFile(),
          recorded.pid(),
          alive.isEmpty() ? "not running" : "not a Cassandra for this base dir");
      PidFile.delete(layout.pidFile());
      return Optional.empty();
    }

    ProcessHandle process = alive.get();
    Optional<String> unfit = reasonNotToAdopt(process, recorded, settings);
    if (unfit.isEmpty()) {
      log.info(
          "Adopting Cassandra pid {} on 127.0.0.1:{}, running since {}",
          recorded.pid(),
          recorded.cqlPort(),
          recorded.startedAt());
      return Optional.of(new RunningCassandra(process, settings, layout, true));
    }

    log.warn("Replacing Cassandra pid {} in {}: {}", recorded.pid(), layout.root(), unfit.get());
    if (!ServerProcesses.terminate(process, settings.stopTimeout())) {
      throw new CassandraLaunchException(
          "cannot stop leftover Cassandra pid " + recorded.pid() + " in " + layout.root());
    }
    PidFile.delete(layout.pidFile());
    return Optional.empty();
  }

  private static Optional<String> reasonNotToAdopt(
      ProcessHandle process, PidFile recorded, CassandraSettings settings) {
    if (recorded.cqlPort() != settings.cqlPort()
        || recorded.storagePort() != settings.storagePort()) {
      return Optional.of(
          String.format(
              "it runs on ports %d/%d, settings ask for %d/%d",
              recorded.cqlPort(),
              recorded.storagePort(),
              settings.cqlPort(),
              settings.storagePort()));
    }
    // Its watcher may not have noticed yet (it polls, up to every 5 s): adopting it now would
    // hand the new node a server that is about to drain and exit.
    OptionalLong parent = ServerProcesses.watchedParent(process.pid());
    if (parent.isPresent()
        && !ProcessHandle.of(parent.getAsLong()).map(ProcessHandle::isAlive).orElse(false)) {
      return Optional.of(
          "the process that started it (pid "
              + parent.getAsLong()
              + ") is gone, so it stops itself");
    }
    if (!answers(process, settings.cqlPort(), settings.adoptTimeout())) {
      return Optional.of("its CQL port did not answer within " + settings.adoptTimeout());
    }
    return Optional.empty();
  }

  private static boolean answers(ProcessHandle process, int port, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (process.isAlive()) {
      if (PortProbe.accepts(port)) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }
}

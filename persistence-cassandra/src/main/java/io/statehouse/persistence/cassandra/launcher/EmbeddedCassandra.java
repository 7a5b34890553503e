package io.statehouse.persistence.cassandra.launcher;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Cassandra a node started for itself (dev run, tests), kept running: if it dies under the node
 * (kill -9, OOM kill) and {@code restart-on-exit} is on, it is started again on the same data dir,
 * where it replays its commit log, and the node's journal monitor sees the journal come back. Each
 * restart in a row waits twice as long as the one before, up to 30 s.
 */
public final class EmbeddedCassandra implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedCassandra.class);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final CassandraSettings settings;
  private final boolean restartOnExit;
  private final Duration firstBackoff;
  private final ScheduledExecutorService restarter;
  private volatile RunningCassandra current;
  private volatile boolean closing;
  private int restartsInARow;

  private EmbeddedCassandra(
      CassandraSettings settings,
      boolean restartOnExit,
      Duration firstBackoff,
      RunningCassandra first) {
    this.settings = settings;
    this.restartOnExit = restartOnExit;
    this.firstBackoff = firstBackoff;
    this.current = first;
    this.restarter =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "statehouse-cassandra-watchdog");
              t.setDaemon(true);
              return t;
            });
    watch(first);
  }

  /** Starts (or adopts) the server of {@code statehouse.cassandra.embedded}. */
  public static EmbeddedCassandra start(Config config) {
    CassandraSettings settings = CassandraSettings.fromConfig(config);
    Config c = config.getConfig(CassandraSettings.CONFIG_PATH);
    return start(settings, c.getBoolean("restart-on-exit"), c.getDuration("restart-backoff"));
  }

  public static EmbeddedCassandra start(
      CassandraSettings settings, boolean restartOnExit, Duration backoff) {
    return new EmbeddedCassandra(
        settings, restartOnExit, backoff, CassandraLauncher.start(settings));
  }

  /** The server running now; a new one after each restart. */
  public RunningCassandra current() {
    return current;
  }

  private void watch(RunningCassandra server) {
    server
        .onExit()
        .thenRun(
            () -> {
              if (closing || !restartOnExit) {
                if (!closing) {
                  log.error(
                      "Cassandra pid {} exited; the node has no journal until it is started"
                          + " again (statehouse.cassandra.embedded.restart-on-exit is off)",
                      server.pid());
                }
                return;
              }
              Duration wait = backoff();
              log.warn(
                  "Cassandra pid {} exited under the running node; starting it again on {} in {}"
                      + " ms (it replays its commit log: every acknowledged write is kept)",
                  server.pid(),
                  server.baseDir(),
                  wait.toMillis());
              restarter.schedule(this::restart, wait.toMillis(), TimeUnit.MILLISECONDS);
            });
  }

  private synchronized Duration backoff() {
    Duration wait = firstBackoff.multipliedBy(1L << Math.min(restartsInARow, 5));
    restartsInARow++;
    return wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
  }

  private void restart() {
    if (closing) {
      return;
    }
    long started = System.nanoTime();
    try {
      RunningCassandra next = CassandraLauncher.start(settings);
      current = next;
      log.warn(
          "Cassandra restarted: pid {}, CQL 127.0.0.1:{}, after {} ms",
          next.pid(),
          next.cqlPort(),
          Duration.ofNanos(System.nanoTime() - started).toMillis());
      restarter.schedule(this::settled, MAX_BACKOFF.toMillis(), TimeUnit.MILLISECONDS);
      watch(next);
    } catch (RuntimeException e) {
      Duration wait = backoff();
      log.error(
          "Cassandra did not start again ({}); trying again in {} ms",
          e.getMessage(),
          wait.toMillis());
      restarter.schedule(this::restart, wait.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** A server that stayed up this long resets the backoff. */
  private synchronized void settled() {
    if (current.isAlive()) {
      restartsInARow = 0;
    }
  }

  /** Stops the server and any restart to come. */
  @Override
  public void close() {
    closing = true;
    restarter.shutdownNow();
    current.stop();
  }
}

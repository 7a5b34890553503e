package io.statehouse.persistence.cassandra.launcher;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Cassandra the launcher started or adopted. Closing it stops the server, adopted or not: the
 * launcher that holds the handle owns the server.
 */
public final class RunningCassandra implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RunningCassandra.class);

  private final ProcessHandle process;
  private final CassandraSettings settings;
  private final BaseDirLayout layout;
  private final boolean adopted;
  private boolean stopped;

  RunningCassandra(
      ProcessHandle process, CassandraSettings settings, BaseDirLayout layout, boolean adopted) {
    this.process = process;
    this.settings = settings;
    this.layout = layout;
    this.adopted = adopted;
  }

  /** How it was started. */
  public CassandraSettings settings() {
    return settings;
  }

  public int cqlPort() {
    return settings.cqlPort();
  }

  public int storagePort() {
    return settings.storagePort();
  }

  /** 127.0.0.1:cqlPort, for the driver's contact points. */
  public InetSocketAddress contactPoint() {
    return new InetSocketAddress(PortProbe.LOOPBACK, settings.cqlPort());
  }

  public long pid() {
    return process.pid();
  }

  /** True if this launcher found the server already running in its base dir and reused it. */
  public boolean adopted() {
    return adopted;
  }

  public Path baseDir() {
    return layout.root();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Completes when the Cassandra process exits, whoever stopped it. */
  public CompletableFuture<ProcessHandle> onExit() {
    return process.onExit();
  }

  /**
   * SIGTERM, then up to stop-timeout for Cassandra to drain (flush memtables, close the commit log;
   * about 7 s), then SIGKILL; removes the pid file. Safe to call more than once.
   *
   * @throws CassandraLaunchException if the process survives even SIGKILL
   */
  public synchronized void stop() {
    if (stopped) {
      return;
    }
    long started = System.nanoTime();
    boolean gone = ServerProcesses.terminate(process, settings.stopTimeout());
    if (!gone) {
      throw new CassandraLaunchException("Cassandra pid " + pid() + " did not exit after SIGKILL");
    }
    stopped = true;
    PidFile.deleteIfNames(layout.pidFile(), pid());
    log.info(
        "Cassandra pid {} in {} stopped in {} ms",
        pid(),
        layout.root(),
        Duration.ofNanos(System.nanoTime() - started).toMillis());
  }

  @Override
  public void close() {
    stop();
  }

  @Override
  public String toString() {
    return "Cassandra[pid="
        + pid()
        + ", cql=127.0.0.1:"
        + cqlPort()
        + ", dir="
        + layout.root()
        + (adopted ? ", adopted" : "")
        + "]";
  }
}

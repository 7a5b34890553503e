package io.statehouse.persistence.cassandra.launcher;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How to run one single-node Cassandra: where its files live, which loopback ports it binds, and
 * how long to wait for it. Defaults live in reference.conf under {@value #CONFIG_PATH}.
 *
 * @param baseDir holds conf/, data/, logs/ and the pid file; one Cassandra per base dir
 * @param cqlPort native transport (CQL) port on 127.0.0.1
 * @param storagePort inter-node port on 127.0.0.1 (bound even by a single node)
 * @param heap -Xms and -Xmx of the Cassandra JVM, e.g. "512M" or "1G"
 * @param startTimeout from process start until the CQL port accepts connections
 * @param stopTimeout from SIGTERM until the process must have exited (then SIGKILL)
 * @param adoptTimeout how long a leftover server's CQL port may take to answer before it counts as
 *     unhealthy and is replaced
 * @param clusterName cluster_name in cassandra.yaml; fixed once data exists
 * @param javaHome a JDK 11 or 17, used only when the current JVM is neither
 * @param stopWithParent whether Cassandra exits by itself when this JVM dies
 * @param commitLog when a write is acknowledged relative to its commit-log sync; durable by default
 */
public record CassandraSettings(
    Path baseDir,
    int cqlPort,
    int storagePort,
    String heap,
    Duration startTimeout,
    Duration stopTimeout,
    Duration adoptTimeout,
    String clusterName,
    Optional<Path> javaHome,
    boolean stopWithParent,
    CommitLogSync commitLog) {

  public static final String CONFIG_PATH = "statehouse.cassandra.embedded";

  private static final Pattern HEAP = Pattern.compile("[1-9][0-9]*[kKmMgG]?");

  public CassandraSettings {
    baseDir = baseDir.toAbsolutePath().normalize();
    requirePort("cql-port", cqlPort);
    requirePort("storage-port", storagePort);
    if (cqlPort == storagePort) {
      throw new IllegalArgumentException(
          "cql-port and storage-port must differ, both are " + cqlPort);
    }
    if (!HEAP.matcher(heap).matches()) {
      throw new IllegalArgumentException("heap must look like 512M or 1G, got '" + heap + "'");
    }
    if (clusterName.isBlank()) {
      throw new IllegalArgumentException("cluster-name must not be blank");
    }
    javaHome = javaHome.map(home -> home.toAbsolutePath().normalize());
  }

  /** Reads the {@value #CONFIG_PATH} block of an application's (resolved) config. */
  public static CassandraSettings fromConfig(Config config) {
    Config c = config.getConfig(CONFIG_PATH);
    String javaHome = c.getString("java-home");
    return new CassandraSettings(
        Path.of(c.getString("data-dir")),
        c.getInt("cql-port"),
        c.getInt("storage-port"),
        c.getString("heap"),
        c.getDuration("start-timeout"),
        c.getDuration("stop-timeout"),
        c.getDuration("adopt-timeout"),
        c.getString("cluster-name"),
        javaHome.isBlank() ? Optional.empty() : Optional.of(Path.of(javaHome)),
        c.getBoolean("stop-with-parent"),
        CommitLogSync.of(c.getString("commitlog-sync"), c.getDuration("commitlog-sync-window")));
  }

  /**
   * Whether the node should start its own Cassandra at boot (dev mode).
   *
   * @throws CassandraLaunchException if it should but this installation has no Cassandra server to
   *     start ({@code available = off}: the container image)
   */
  public static boolean enabledIn(Config config) {
    boolean enabled = config.getBoolean(CONFIG_PATH + ".enabled");
    if (enabled && !config.getBoolean(CONFIG_PATH + ".available")) {
      throw new CassandraLaunchException(
          CONFIG_PATH
              + ".enabled is on, but this installation carries no Cassandra server to start ("
              + CONFIG_PATH
              + ".available is off, as in the container image, which runs against an external"
              + " Cassandra only). Turn it off and point statehouse.cassandra.contact-points at"
              + " your Cassandra (production.conf: STATEHOUSE_CASSANDRA_CONTACT_POINT); see"
              + " docs/operations.md, \"Deploying\"");
    }
    return enabled;
  }

  public CassandraSettings withBaseDir(Path dir) {
    return copy(dir, cqlPort, storagePort, heap, stopWithParent, commitLog);
  }

  public CassandraSettings withPorts(int cql, int storage) {
    return copy(baseDir, cql, storage, heap, stopWithParent, commitLog);
  }

  public CassandraSettings withHeap(String size) {
    return copy(baseDir, cqlPort, storagePort, size, stopWithParent, commitLog);
  }

  public CassandraSettings withStopWithParent(boolean stop) {
    return copy(baseDir, cqlPort, storagePort, heap, stop, commitLog);
  }

  public CassandraSettings withCommitLog(CommitLogSync sync) {
    return copy(baseDir, cqlPort, storagePort, heap, stopWithParent, sync);
  }

  private CassandraSettings copy(
      Path dir, int cql, int storage, String size, boolean stop, CommitLogSync sync) {
    return new CassandraSettings(
        dir,
        cql,
        storage,
        size,
        startTimeout,
        stopTimeout,
        adoptTimeout,
        clusterName,
        javaHome,
        stop,
        sync);
  }

  private static void requirePort(String name, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(name + " must be in 1..65535, got " + port);
    }
  }
}

package io.statehouse.api.it;

import com.typesafe.config.Config;
import io.statehouse.persistence.cassandra.launcher.FreePorts;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A cluster of node JVMs ({@link NodeProcess}) on one Cassandra, on free loopback ports: the first
 * two nodes are the seeds. A node can be killed, stopped gracefully and started again on the same
 * ports. Integration tests and the cluster benchmark use it.
 */
public final class LocalCluster implements AutoCloseable {
  private final String name;
  private final Duration startWithin;
  private final List<String> jvmArgs;
  private final int[] http;
  private final int[] management;
  private final Config[] configs;
  private final List<NodeProcess> nodes = new CopyOnWriteArrayList<>();

  private LocalCluster(
      String name,
      Duration startWithin,
      List<String> jvmArgs,
      int[] http,
      int[] management,
      Config[] configs) {
    this.name = name;
    this.startWithin = startWithin;
    this.jvmArgs = jvmArgs;
    this.http = http;
    this.management = management;
    this.configs = configs;
  }

  /**
   * Starts {@code size} nodes with {@code extraHocon} on top of the test node config: the first,
   * which forms the cluster, then the others at once. Returns when all are ready.
   */
  public static LocalCluster start(
      String name,
      CassandraTestKeyspaces keyspaces,
      int size,
      String extraHocon,
      List<String> jvmArgs,
      Duration startWithin) {
    int[] ports = FreePorts.pick(3 * size);
    int[] http = new int[size];
    int[] remoting = new int[size];
    int[] management = new int[size];
    for (int i = 0; i < size; i++) {
      http[i] = ports[i];
      remoting[i] = ports[size + i];
      management[i] = ports[2 * size + i];
    }
    StringBuilder seeds = new StringBuilder("[");
    for (int i = 0; i < Math.min(2, size); i++) {
      seeds
          .append(i == 0 ? "" : ", ")
          .append("\"pekko://statehouse@127.0.0.1:")
          .append(remoting[i])
          .append('"');
    }
    seeds.append(']');
    Config[] configs = new Config[size];
    for (int i = 0; i < size; i++) {
      configs[i] =
          NodeConfig.overrides(
              keyspaces,
              http[i],
              extraHocon
                  + "\npekko.remote.artery.canonical.port = "
                  + remoting[i]
                  + "\npekko.management.http.port = "
                  + management[i]
                  + "\npekko.cluster.seed-nodes = "
                  + seeds);
    }
    LocalCluster cluster =
        new LocalCluster(name, startWithin, List.copyOf(jvmArgs), http, management, configs);
    try {
      cluster.nodes.add(cluster.launch(0, ""));
      List<CompletableFuture<NodeProcess>> others = new ArrayList<>();
      for (int i = 1; i < size; i++) {
        int n = i;
        others.add(CompletableFuture.supplyAsync(() -> cluster.launch(n, "")));
      }
      others.forEach(f -> cluster.nodes.add(f.join()));
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  private NodeProcess launch(int i, String suffix) {
    try {
      return NodeProcess.start(
          name + "-" + (i + 1) + suffix, configs[i], http[i], startWithin, jvmArgs);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public int size() {
    return configs.length;
  }

  /** Node {@code i}'s API port. */
  public int http(int i) {
    return http[i];
  }

  /** Node {@code i}'s management port (Pekko Management). */
  public int management(int i) {
    return management[i];
  }

  public Api api(int i) {
    return new Api("127.0.0.1", http[i]);
  }

  public NodeProcess node(int i) {
    return nodes.get(i);
  }

  /** SIGKILL node {@code i}. */
  public void kill(int i) {
    nodes.get(i).kill();
  }

  /** SIGTERM node {@code i} and wait until it has left and exited. */
  public void stop(int i) {
    nodes.get(i).close();
  }

  /** Starts node {@code i} again on its ports (after a kill or a stop) and waits until ready. */
  public void restart(int i, String suffix) {
    nodes.set(i, launch(i, suffix));
  }

  @Override
  public void close() {
    nodes.forEach(NodeProcess::close);
  }
}

package io.statehouse.api;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.api.demo.DemoContent;
import io.statehouse.persistence.cassandra.launcher.RunningCassandra;
import io.statehouse.runtime.concurrent.AsyncDefaults;

/**
 * Starts one node from {@code application.conf} (or the file named by {@code -Dconfig.resource}),
 * prints where it listens, and stops everything it started on Ctrl-C or SIGTERM.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    // first, before anything starts a CompletableFuture: no thread per async step on two cores
    AsyncDefaults.useCommonPool();
    // a node that is downed or loses its cluster exits, so its supervisor can restart it
    Config config =
        ConfigFactory.parseString("pekko.coordinated-shutdown.exit-jvm = on")
            .withFallback(ConfigFactory.load());
    StatehouseNode node = StatehouseNode.start(config);
    Runtime.getRuntime().addShutdownHook(new Thread(node::close, "statehouse-shutdown"));
    System.out.println(banner(node, config));
    node.awaitTermination();
  }

  private static String banner(StatehouseNode node, Config config) {
    StringBuilder b = new StringBuilder("\n  Statehouse is ready\n");
    b.append("  API        http://")
        .append(node.host())
        .append(':')
        .append(node.port())
        .append("/v1\n");
    b.append("  health     http://")
        .append(node.host())
        .append(':')
        .append(node.port())
        .append("/health/ready\n");
    b.append("  dashboard  http://")
        .append(node.host())
        .append(':')
        .append(node.port())
        .append("/dashboard/\n");
    node.management()
        .ifPresent(
            uri ->
                b.append("  management ")
                    .append(uri)
                    .append(" (membership, /ready, /alive, /metrics)\n"));
    b.append("  JWKS       http://")
        .append(node.host())
        .append(':')
        .append(node.port())
        .append("/.well-known/jwks.json\n");
    if (node.cassandra() != null) {
      RunningCassandra cassandra = node.cassandra().current();
      b.append("  Cassandra  127.0.0.1:")
          .append(cassandra.cqlPort())
          .append(
              cassandra.adopted() ? " (reused the server left running in " : " (started, data in ")
          .append(cassandra.baseDir())
          .append(")\n");
    }
    if (config.getBoolean("statehouse.demo.enabled")) {
      b.append("  demo keys  (Authorization: Bearer <key>)\n");
      DemoContent.configuredDemoKeys(node.keys())
          .forEach(line -> b.append("    ").append(line).append('\n'));
      b.append("  demo agents: ").append(String.join(", ", DemoContent.AGENTS)).append('\n');
      b.append("  demo teams: ").append(String.join(", ", DemoContent.TEAMS)).append('\n');
    }
    b.append("  Ctrl-C stops the node")
        .append(node.cassandra() != null ? " and Cassandra" : "")
        .append('\n');
    return b.toString();
  }
}

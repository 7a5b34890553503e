package io.statehouse.runtime.tool.egress;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The node's own listening ports, which no tool call may reach on any of the node's addresses: a
 * tool pointed at them would call the node's API or its cluster remoting from inside.
 *
 * @param httpPort the API port (0 when not known); paths on it may be opened by {@code
 *     node-http-paths}
 * @param others remoting and management ports; never reachable
 */
public record NodePorts(int httpPort, Set<Integer> others) {
  public NodePorts {
    others = Set.copyOf(others);
  }

  public static NodePorts none() {
    return new NodePorts(0, Set.of());
  }

  /**
   * The ports config names: {@code statehouse.http.port}, {@code
   * pekko.remote.artery.canonical.port} and {@code .bind.port}, {@code pekko.management.http.port}.
   * A port configured as 0 is picked at start and is unknown here; add it with {@link #withOther}
   * once bound.
   */
  public static NodePorts fromConfig(Config config) {
    Set<Integer> others = new TreeSet<>();
    port(config, "pekko.remote.artery.canonical.port").ifPresent(others::add);
    port(config, "pekko.remote.artery.bind.port").ifPresent(others::add);
    port(config, "pekko.management.http.port").ifPresent(others::add);
    return new NodePorts(port(config, "statehouse.http.port").orElse(0), others);
  }

  public NodePorts withOther(int port) {
    Set<Integer> more = new TreeSet<>(others);
    if (port > 0) {
      more.add(port);
    }
    return new NodePorts(httpPort, more);
  }

  boolean contains(int port) {
    return port > 0 && (port == httpPort || others.contains(port));
  }

  private static Optional<Integer> port(Config config, String path) {
    if (!config.hasPath(path)) {
      return Optional.empty();
    }
    ConfigValueType type = config.getValue(path).valueType();
    // bind.port is "" (same as canonical) unless set
    if (type == ConfigValueType.STRING && config.getString(path).isBlank()) {
      return Optional.empty();
    }
    int port = config.getInt(path);
    return port > 0 ? Optional.of(port) : Optional.empty();
  }
}

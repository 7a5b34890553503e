package io.statehouse.runtime.tool.mcp;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code statehouse.mcp}: the bounds of MCP work and the commands the operator lets tenants run as
 * stdio servers.
 *
 * @param maxResultBytes a call's result as the model sees it ({@code
 *     statehouse.tools.max-result-size})
 */
public record McpSettings(
    Duration initializeTimeout,
    Duration requestTimeout,
    Duration discoveryTimeout,
    int maxDiscoveries,
    int maxTools,
    int maxPages,
    int maxSchemaBytes,
    int maxMessageBytes,
    int maxResultBytes,
    Duration idleTimeout,
    int maxClients,
    Duration connectTimeout,
    Map<String, StdioCommand> commands,
    Map<String, String> baseEnv,
    Path workingDir,
    Duration stopTimeout,
    int stderrMaxLine,
    int stderrMaxLines) {

  public McpSettings {
    commands = Map.copyOf(commands);
    baseEnv = Map.copyOf(baseEnv);
  }

  /**
   * An entry of {@code statehouse.mcp.stdio.commands}: what runs when a registration names it.
   *
   * @param tenants the tenants that may use it; empty: every tenant
   */
  public record StdioCommand(
      String name,
      String command,
      List<String> args,
      Map<String, String> env,
      boolean allowArgs,
      Set<String> tenants) {
    public StdioCommand {
      args = List.copyOf(args);
      env = Map.copyOf(env);
      tenants = Set.copyOf(tenants);
    }

    public boolean allows(String tenant) {
      return tenants.isEmpty() || tenants.contains(tenant);
    }
  }

  public static McpSettings fromConfig(Config config) {
    Config mcp = config.getConfig("statehouse.mcp");
    Config stdio = mcp.getConfig("stdio");
    Map<String, StdioCommand> commands = new TreeMap<>();
    Config entries = stdio.getConfig("commands");
    for (String name : entries.root().keySet()) {
      Config e = entries.getConfig(com.typesafe.config.ConfigUtil.joinPath(name));
      String command = e.getString("command");
      if (!Path.of(command).isAbsolute()) {
        throw new IllegalArgumentException(
            "statehouse.mcp.stdio.commands." + name + ".command must be an absolute path");
      }
      commands.put(
          name,
          new StdioCommand(
              name,
              command,
              e.hasPath("args") ? e.getStringList("args") : List.of(),
              e.hasPath("env") ? strings(e.getConfig("env")) : Map.of(),
              e.hasPath("allow-args") && e.getBoolean("allow-args"),
              e.hasPath("tenants") ? Set.copyOf(e.getStringList("tenants")) : Set.of()));
    }
    String dir = stdio.getString("working-dir");
    return new McpSettings(
        mcp.getDuration("initialize-timeout"),
        mcp.getDuration("request-timeout"),
        mcp.getDuration("discovery-timeout"),
        mcp.getInt("max-discoveries"),
        mcp.getInt("max-tools"),
        mcp.getInt("max-pages"),
        (int) mcp.getMemorySize("max-schema-size").toBytes(),
        (int) mcp.getMemorySize("max-message-size").toBytes(),
        (int) config.getMemorySize("statehouse.tools.max-result-size").toBytes(),
        mcp.getDuration("idle-timeout"),
        mcp.getInt("max-clients"),
        config.getDuration("statehouse.tools.connect-timeout"),
        commands,
        strings(stdio.getConfig("base-env")),
        dir.isEmpty() ? Path.of(System.getProperty("java.io.tmpdir")) : Path.of(dir),
        stdio.getDuration("stop-timeout"),
        stdio.getInt("stderr-max-line"),
        stdio.getInt("stderr-max-lines"));
  }

  /** The operator's entry {@code name}, if {@code tenant} may use it. */
  public Optional<StdioCommand> command(String name, String tenant) {
    return Optional.ofNullable(commands.get(name)).filter(c -> c.allows(tenant));
  }

  private static Map<String, String> strings(Config block) {
    Map<String, String> out = new LinkedHashMap<>();
    block
        .root()
        .forEach(
            (k, v) -> {
              if (v.valueType() != ConfigValueType.OBJECT
                  && v.valueType() != ConfigValueType.LIST
                  && v.valueType() != ConfigValueType.NULL) {
                out.put(k, String.valueOf(v.unwrapped()));
              }
            });
    return out;
  }
}

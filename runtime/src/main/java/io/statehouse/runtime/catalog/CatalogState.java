package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The latest version of each tool, agent, MCP server and team of one tenant. An agent names an MCP
 * tool by the name the model sees ({@link McpToolNames}); the part before its first {@code __} is
 * the server.
 *
 * @param mcpLastVersions the version each MCP server had when it was last removed, so that one
 *     registered again under the same name never reuses a version (null in states before MCP)
 * @param teams the latest version of each team (null in states before teams)
 */
public record CatalogState(
    Map<String, ToolSpec> tools,
    Map<String, AgentSpec> agents,
    Map<String, McpServerSpec> mcpServers,
    Map<String, Integer> mcpLastVersions,
    Map<String, TeamSpec> teams)
    implements CborSerializable {

  public CatalogState {
    tools = tools == null ? Map.of() : Map.copyOf(tools);
    agents = agents == null ? Map.of() : Map.copyOf(agents);
    mcpServers = mcpServers == null ? Map.of() : Map.copyOf(mcpServers);
    mcpLastVersions = mcpLastVersions == null ? Map.of() : Map.copyOf(mcpLastVersions);
    teams = teams == null ? Map.of() : Map.copyOf(teams);
  }

  public CatalogState(Map<String, ToolSpec> tools, Map<String, AgentSpec> agents) {
    this(tools, agents, Map.of(), Map.of(), Map.of());
  }

  public static CatalogState empty() {
    return new CatalogState(Map.of(), Map.of());
  }

  public Optional<ToolSpec> tool(String name) {
    return Optional.ofNullable(tools.get(name));
  }

  public Optional<AgentSpec> agent(String name) {
    return Optional.ofNullable(agents.get(name));
  }

  public Optional<McpServerSpec> mcpServer(String name) {
    return Optional.ofNullable(mcpServers.get(name));
  }

  public Optional<TeamSpec> team(String name) {
    return Optional.ofNullable(teams.get(name));
  }

  /**
   * What an agent's tool name stands for now: a registered tool, or a usable tool of a registered
   * MCP server (as the spec a session pins).
   */
  public Optional<ToolSpec> resolve(String name) {
    ToolSpec registered = tools.get(name);
    if (registered != null) {
      return Optional.of(registered);
    }
    return McpToolNames.serverOf(name)
        .flatMap(this::mcpServer)
        .flatMap(server -> server.tool(name).filter(McpTool::usable).map(t -> server.toolSpec(t)));
  }

  /** Names in {@code wanted} that name neither a registered tool nor a usable MCP tool. */
  public List<String> missingTools(List<String> wanted) {
    return wanted.stream().filter(n -> resolve(n).isEmpty()).toList();
  }

  /** Why {@code name} cannot be resolved, for an error message. */
  public String whyMissing(String name) {
    Optional<McpServerSpec> server = McpToolNames.serverOf(name).flatMap(this::mcpServer);
    if (server.isEmpty()) {
      return name + " is not a registered tool";
    }
    return server
        .get()
        .tool(name)
        .map(
            t -> name + " of MCP server " + server.get().name() + " is not usable: " + t.unusable())
        .orElse(
            name
                + " is not a tool MCP server "
                + server.get().name()
                + " listed at version "
                + server.get().version());
  }

  /** The agents that name a tool of MCP server {@code server}, with those tools. */
  public Map<String, List<String>> agentsUsingServer(String server) {
    Map<String, List<String>> out = new HashMap<>();
    for (AgentSpec a : agents.values()) {
      List<String> used = new ArrayList<>();
      for (String t : a.tools()) {
        if (!tools.containsKey(t) && McpToolNames.serverOf(t).filter(server::equals).isPresent()) {
          used.add(t);
        }
      }
      if (!used.isEmpty()) {
        out.put(a.name(), used);
      }
    }
    return out;
  }

  public CatalogState apply(CatalogEvent event) {
    if (event instanceof CatalogEvent.ToolRegistered e) {
      Map<String, ToolSpec> next = new HashMap<>(tools);
      next.put(e.spec().name(), e.spec());
      return new CatalogState(next, agents, mcpServers, mcpLastVersions, teams);
    }
    if (event instanceof CatalogEvent.AgentRegistered e) {
      Map<String, AgentSpec> next = new HashMap<>(agents);
      next.put(e.spec().name(), e.spec());
      return new CatalogState(tools, next, mcpServers, mcpLastVersions, teams);
    }
    if (event instanceof CatalogEvent.McpServerRegistered e) {
      Map<String, McpServerSpec> next = new HashMap<>(mcpServers);
      next.put(e.spec().name(), e.spec());
      return new CatalogState(tools, agents, next, mcpLastVersions, teams);
    }
    if (event instanceof CatalogEvent.McpServerRemoved e) {
      Map<String, McpServerSpec> next = new HashMap<>(mcpServers);
      next.remove(e.name());
      Map<String, Integer> last = new HashMap<>(mcpLastVersions);
      last.put(e.name(), e.version());
      return new CatalogState(tools, agents, next, last, teams);
    }
    if (event instanceof CatalogEvent.TeamRegistered e) {
      Map<String, TeamSpec> next = new HashMap<>(teams);
      next.put(e.spec().name(), e.spec());
      return new CatalogState(tools, agents, mcpServers, mcpLastVersions, next);
    }
    throw new IllegalArgumentException("unknown event " + event.getClass().getName());
  }
}

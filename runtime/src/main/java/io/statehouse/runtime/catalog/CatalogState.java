package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The latest version of each tool and agent of one tenant. */
public record CatalogState(Map<String, ToolSpec> tools, Map<String, AgentSpec> agents)
    implements CborSerializable {

  public CatalogState {
    tools = tools == null ? Map.of() : Map.copyOf(tools);
    agents = agents == null ? Map.of() : Map.copyOf(agents);
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

  /** Names in {@code wanted} that are not registered tools. */
  public List<String> missingTools(List<String> wanted) {
    return wanted.stream().filter(n -> !tools.containsKey(n)).toList();
  }

  public CatalogState apply(CatalogEvent event) {
    if (event instanceof CatalogEvent.ToolRegistered e) {
      Map<String, ToolSpec> next = new HashMap<>(tools);
      next.put(e.spec().name(), e.spec());
      return new CatalogState(next, agents);
    }
    if (event instanceof CatalogEvent.AgentRegistered e) {
      Map<String, AgentSpec> next = new HashMap<>(agents);
      next.put(e.spec().name(), e.spec());
      return new CatalogState(tools, next);
    }
    throw new IllegalArgumentException("unknown event " + event.getClass().getName());
  }
}

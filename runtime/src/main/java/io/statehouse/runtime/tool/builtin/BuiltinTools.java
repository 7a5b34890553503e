package io.statehouse.runtime.tool.builtin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ToolProvider}s of this node, by name, checked once: provider and tool names must be
 * usable names, unique, and every tool must have an input schema.
 */
public final class BuiltinTools {
  private static final Logger log = LoggerFactory.getLogger(BuiltinTools.class);
  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

  private final Map<String, Map<String, BuiltinTool>> byProvider;

  public BuiltinTools(List<? extends ToolProvider> providers) {
    Map<String, Map<String, BuiltinTool>> out = new TreeMap<>();
    for (ToolProvider p : providers) {
      String name = p.name();
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "tool provider " + p.getClass().getName() + " has an unusable name '" + name + "'");
      }
      if (out.containsKey(name)) {
        throw new IllegalArgumentException("two tool providers are named " + name);
      }
      Map<String, BuiltinTool> tools = new LinkedHashMap<>();
      for (BuiltinTool t : p.tools()) {
        if (t.name() == null || !NAME.matcher(t.name()).matches()) {
          throw new IllegalArgumentException(
              "tool provider " + name + " has a tool with an unusable name '" + t.name() + "'");
        }
        if (t.inputSchema() == null || !t.inputSchema().isObject()) {
          throw new IllegalArgumentException(
              "tool " + t.name() + " of provider " + name + " has no input schema");
        }
        if (tools.put(t.name(), t) != null) {
          throw new IllegalArgumentException(
              "tool provider " + name + " has two tools named " + t.name());
        }
      }
      out.put(name, Map.copyOf(tools));
    }
    this.byProvider = Map.copyOf(out);
  }

  /** The providers {@link ServiceLoader} finds on the class path. */
  public static BuiltinTools discover() {
    List<ToolProvider> found = new ArrayList<>();
    ServiceLoader.load(ToolProvider.class).forEach(found::add);
    BuiltinTools tools = new BuiltinTools(found);
    if (!found.isEmpty()) {
      log.info("built-in tool providers: {}", tools.byProvider.keySet());
    }
    return tools;
  }

  public static BuiltinTools none() {
    return new BuiltinTools(List.of());
  }

  public Optional<BuiltinTool> tool(String provider, String tool) {
    return Optional.ofNullable(byProvider.get(provider)).map(tools -> tools.get(tool));
  }

  /** Provider names, and each provider's tool names, sorted. */
  public Map<String, List<String>> names() {
    Map<String, List<String>> out = new TreeMap<>();
    byProvider.forEach((p, tools) -> out.put(p, tools.keySet().stream().sorted().toList()));
    return out;
  }
}

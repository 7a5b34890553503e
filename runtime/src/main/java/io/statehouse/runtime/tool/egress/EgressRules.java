package io.statehouse.runtime.tool.egress;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One tenant's egress rules: the default block of {@code statehouse.egress}, refined by the
 * tenant's own block. A tenant's lists are added to the default's (so a tenant can be allowed more,
 * and blocked more, but no block of the default is lifted for it), and its {@code default-action}
 * replaces the default's.
 *
 * @param allowByDefault {@code default-action = allow}: a destination no rule names is reachable
 * @param nodeHttpPaths path prefixes on the node's own HTTP port that tools may call (dev demo)
 */
record EgressRules(
    boolean allowByDefault,
    List<Cidr> allowCidrs,
    List<Cidr> blockCidrs,
    List<HostPattern> allowHosts,
    List<HostPattern> blockHosts,
    List<String> nodeHttpPaths) {

  static final Set<String> KEYS =
      Set.of(
          "default-action",
          "allow-cidrs",
          "block-cidrs",
          "allow-hosts",
          "block-hosts",
          "node-http-paths");

  private static final Pattern NODE_PATH = Pattern.compile("/([A-Za-z0-9_-]+/)+");

  static final EgressRules NONE =
      new EgressRules(true, List.of(), List.of(), List.of(), List.of(), List.of());

  EgressRules {
    allowCidrs = List.copyOf(allowCidrs);
    blockCidrs = List.copyOf(blockCidrs);
    allowHosts = List.copyOf(allowHosts);
    blockHosts = List.copyOf(blockHosts);
    nodeHttpPaths = List.copyOf(nodeHttpPaths);
  }

  /**
   * {@code block} on top of {@code base}; {@code where} names the block in errors. Unknown keys are
   * errors: a misspelt block list would otherwise block nothing.
   */
  static EgressRules parse(Config block, EgressRules base, String where) {
    for (String key : block.root().keySet()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(
            where + "." + key + " is not an egress setting; the settings are " + KEYS);
      }
    }
    boolean allow = base.allowByDefault;
    if (block.hasPath("default-action")) {
      String action = block.getString("default-action");
      if (!action.equals("allow") && !action.equals("deny")) {
        throw new IllegalArgumentException(where + ".default-action must be allow or deny");
      }
      allow = action.equals("allow");
    }
    List<String> paths = plus(base.nodeHttpPaths, block, "node-http-paths", where, p -> p);
    for (String p : paths) {
      if (!NODE_PATH.matcher(p).matches()) {
        throw new IllegalArgumentException(
            where
                + ".node-http-paths: '"
                + p
                + "' must be a path prefix like /demo/tools/ (letters, digits, _ and -)");
      }
    }
    return new EgressRules(
        allow,
        plus(base.allowCidrs, block, "allow-cidrs", where, Cidr::parse),
        plus(base.blockCidrs, block, "block-cidrs", where, Cidr::parse),
        plus(base.allowHosts, block, "allow-hosts", where, HostPattern::parse),
        plus(base.blockHosts, block, "block-hosts", where, HostPattern::parse),
        paths);
  }

  private static <T> List<T> plus(
      List<T> base, Config block, String key, String where, Function<String, T> parse) {
    List<T> out = new ArrayList<>(base);
    if (block.hasPath(key)) {
      for (String text : block.getStringList(key)) {
        try {
          T item = parse.apply(text);
          if (!out.contains(item)) {
            out.add(item);
          }
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(where + "." + key + ": " + e.getMessage(), e);
        }
      }
    }
    return out;
  }
}

package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the node reaches an MCP server: a process it starts and talks to over stdin/stdout, or a
 * streamable-HTTP endpoint. Exactly one of {@code stdio} and {@code http} is set. Only secret
 * references are stored, never secret values.
 */
public record McpConnection(Stdio stdio, Http http) implements CborSerializable {
  public McpConnection {
    if ((stdio == null) == (http == null)) {
      throw new IllegalArgumentException("an MCP connection is stdio or http, exactly one");
    }
  }

  public static McpConnection stdio(
      String command, List<String> args, Map<String, HeaderValue> env) {
    return new McpConnection(new Stdio(command, args, env), null);
  }

  public static McpConnection http(String url, Map<String, HeaderValue> headers) {
    return new McpConnection(null, new Http(url, headers));
  }

  /**
   * A process: {@code command} names an entry of the operator's {@code
   * statehouse.mcp.stdio.commands} (never a path a tenant chose), {@code args} are added to the
   * entry's own when the entry allows it, and {@code env} is all the environment the process gets
   * besides the operator's base (values are literals or the tenant's secrets, resolved at start).
   */
  public record Stdio(String command, List<String> args, Map<String, HeaderValue> env)
      implements CborSerializable {
    public Stdio {
      Objects.requireNonNull(command, "command");
      args = args == null ? List.of() : List.copyOf(args);
      env = env == null ? Map.of() : Map.copyOf(env);
    }
  }

  /**
   * A streamable-HTTP endpoint; {@code headers} go with every request, secret references resolved
   * for the call's tenant per request.
   */
  public record Http(String url, Map<String, HeaderValue> headers) implements CborSerializable {
    public Http {
      Objects.requireNonNull(url, "url");
      headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
  }
}

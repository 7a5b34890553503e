package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import java.util.Objects;

/**
 * Tool {@code tool} (its name on the server, which the model may not be able to use) of MCP server
 * {@code server} as registered at {@code serverVersion}, with that registration's connection. A
 * session pins it, so a server registered again later changes only sessions opened after that.
 */
public record McpTarget(String server, int serverVersion, String tool, McpConnection connection)
    implements CborSerializable, ToolTarget {
  public McpTarget {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(tool, "tool");
    Objects.requireNonNull(connection, "connection");
  }
}

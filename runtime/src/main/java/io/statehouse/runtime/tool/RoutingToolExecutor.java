package io.statehouse.runtime.tool;

import io.statehouse.runtime.catalog.BuiltinTarget;
import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.catalog.McpTarget;
import io.statehouse.runtime.catalog.ToolTarget;
import io.statehouse.runtime.tool.builtin.BuiltinToolExecutor;
import io.statehouse.runtime.tool.mcp.McpToolExecutor;
import java.util.concurrent.CompletionStage;

/**
 * The node's tool executor: each call goes to the executor of its tool's target kind (HTTP, MCP,
 * built-in). {@link #close()} stops what the kinds hold (MCP server processes, the built-in pool).
 */
public final class RoutingToolExecutor implements ToolExecutor, AutoCloseable {
  private final ToolExecutor http;
  private final McpToolExecutor mcp;
  private final BuiltinToolExecutor builtin;

  public RoutingToolExecutor(ToolExecutor http, McpToolExecutor mcp, BuiltinToolExecutor builtin) {
    this.http = http;
    this.mcp = mcp;
    this.builtin = builtin;
  }

  @Override
  public CompletionStage<ToolResult> execute(ToolInvocation invocation) {
    ToolTarget target = invocation.spec().target();
    if (target instanceof McpTarget) {
      return mcp.execute(invocation);
    }
    if (target instanceof BuiltinTarget) {
      return builtin.execute(invocation);
    }
    if (target instanceof HttpTarget) {
      return http.execute(invocation);
    }
    throw new IllegalStateException("no executor for " + target);
  }

  public McpToolExecutor mcp() {
    return mcp;
  }

  public BuiltinToolExecutor builtin() {
    return builtin;
  }

  @Override
  public void close() {
    mcp.clients().close();
    builtin.close();
  }
}

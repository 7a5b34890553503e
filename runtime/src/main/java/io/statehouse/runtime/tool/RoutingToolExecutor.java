package io.statehouse.runtime.tool;

import io.statehouse.runtime.catalog.BuiltinTarget;
import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.catalog.McpTarget;
import io.statehouse.runtime.catalog.ToolTarget;
import io.statehouse.runtime.catalog.WorkspaceTarget;
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
  private final ToolExecutor workspaces;

  public RoutingToolExecutor(ToolExecutor http, McpToolExecutor mcp, BuiltinToolExecutor builtin) {
    this(http, mcp, builtin, NO_WORKSPACES);
  }

  private RoutingToolExecutor(
      ToolExecutor http,
      McpToolExecutor mcp,
      BuiltinToolExecutor builtin,
      ToolExecutor workspaces) {
    this.http = http;
    this.mcp = mcp;
    this.builtin = builtin;
    this.workspaces = workspaces;
  }

  /**
   * The same executor, running team members' workspace tools with {@code executor} (wired once the
   * node's sharding is up: the tools are messages to the workspace entity).
   */
  public RoutingToolExecutor withWorkspaces(ToolExecutor executor) {
    return new RoutingToolExecutor(http, mcp, builtin, executor);
  }

  /** Before a node wires its workspaces (tools' tests): such a call fails without acting. */
  private static final ToolExecutor NO_WORKSPACES =
      inv ->
          java.util.concurrent.CompletableFuture.completedFuture(
              ToolResult.Failure.notSent(
                  "no_workspaces", "this node runs no team workspaces", false));

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
    if (target instanceof WorkspaceTarget) {
      return workspaces.execute(invocation);
    }
    throw new IllegalStateException("no executor for " + target);
  }

  @Override
  public String identityToken(ToolInvocation invocation) {
    ToolTarget target = invocation.spec().target();
    if (target instanceof HttpTarget) {
      return http.identityToken(invocation);
    }
    if (target instanceof McpTarget) {
      return mcp.identityToken(invocation);
    }
    return null;
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

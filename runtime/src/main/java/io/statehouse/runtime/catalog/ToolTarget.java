package io.statehouse.runtime.catalog;

/**
 * Where a tool runs: an HTTP endpoint, a tool of an MCP server, a tool an in-process {@code
 * ToolProvider} offers, or a team workspace (tools the runtime gives team members). One executor
 * per kind sits behind the node's routing executor.
 */
public sealed interface ToolTarget permits HttpTarget, McpTarget, BuiltinTarget, WorkspaceTarget {}

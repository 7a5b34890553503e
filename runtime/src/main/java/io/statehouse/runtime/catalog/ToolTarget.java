package io.statehouse.runtime.catalog;

/**
 * Where a tool runs: an HTTP endpoint, a tool of an MCP server, or a tool an in-process {@code
 * ToolProvider} offers. One executor per kind sits behind the node's routing executor.
 */
public sealed interface ToolTarget permits HttpTarget, McpTarget, BuiltinTarget {}

package io.statehouse.runtime.tool.builtin;

import java.util.List;

/**
 * A set of tools that run inside the node: the SPI of built-in tools. Implementations are found
 * with {@link java.util.ServiceLoader} when the node starts (a jar on the class path with {@code
 * META-INF/services/io.statehouse.runtime.tool.builtin.ToolProvider}); a tenant registers one of
 * their tools with {@code PUT /v1/tools/{name}} and {@code {"builtin": {"provider": "…", "tool":
 * "…"}}}. Install the same providers on every node of a cluster: a session may run on any of them.
 *
 * <p>Tools run on the node's built-in tool pool ({@code statehouse.tools.builtin}), never on actor
 * threads, bounded by the registered tool's timeout. They share the node's JVM: install only code
 * you trust with the node.
 */
public interface ToolProvider {
  /** The provider's name, as registrations name it: letters, digits, {@code _} and {@code -}. */
  String name();

  /** Its tools, each with a name unique within the provider. */
  List<BuiltinTool> tools();
}

package io.statehouse.runtime.tool;

import java.util.concurrent.CompletionStage;

/**
 * The port through which a tool is run, once per attempt. Implementations never throw: every
 * failure is a {@link ToolResult.Failure}. They must not block the calling thread.
 */
public interface ToolExecutor {
  CompletionStage<ToolResult> execute(ToolInvocation invocation);

  /**
   * The identity token this executor sends with {@code invocation} (the node-signed JWT of {@code
   * X-Statehouse-Identity}), or null when it sends none. Making one has no effect outside the node,
   * so a session has it made while the call's {@code ToolCallStarted} is being persisted and hands
   * it in with {@link ToolInvocation#withIdentityToken}; {@link #execute} then sends that one
   * instead of signing its own. Never blocks.
   */
  default String identityToken(ToolInvocation invocation) {
    return null;
  }
}

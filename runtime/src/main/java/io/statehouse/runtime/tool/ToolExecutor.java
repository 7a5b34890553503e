package io.statehouse.runtime.tool;

import java.util.concurrent.CompletionStage;

/**
 * The port through which a tool is run, once per attempt. Implementations never throw: every
 * failure is a {@link ToolResult.Failure}. They must not block the calling thread.
 */
public interface ToolExecutor {
  CompletionStage<ToolResult> execute(ToolInvocation invocation);
}

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

  /** What sends an attempt: with the token made ahead ({@code ahead}), or making its own. */
  @FunctionalInterface
  interface Sender {
    /** {@code ahead}: send {@code token} (null: none); otherwise make the token while sending. */
    CompletionStage<ToolResult> send(String token, boolean ahead);
  }

  /**
   * Sends {@code invocation} with the token made ahead for it once that is there, or at once making
   * its own when none was made ahead or making it failed (where a failure to make it fails the call
   * unsent, as for a token made while sending).
   */
  static CompletionStage<ToolResult> sendWithTokenAhead(ToolInvocation invocation, Sender sender) {
    CompletionStage<String> ahead = invocation.identityToken();
    if (ahead == null) {
      return sender.send(null, false);
    }
    return ahead.handle((token, error) -> sender.send(token, error == null)).thenCompose(r -> r);
  }
}

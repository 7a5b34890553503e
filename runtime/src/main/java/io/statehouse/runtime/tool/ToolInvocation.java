package io.statehouse.runtime.tool;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.telemetry.TraceParent;
import java.util.concurrent.CompletionStage;

/**
 * One attempt at one tool call, with the identity it runs under. The idempotency key is the same
 * for every attempt of a call, including attempts after a crash.
 *
 * @param trace the W3C context of the call's span, which tools that speak HTTP receive; null when
 *     the node does not trace
 * @param identityToken this attempt's identity token, made ahead by {@link
 *     ToolExecutor#identityToken} (its value null: the executor sends none); null: the executor
 *     makes it as it sends
 */
public record ToolInvocation(
    ToolSpec spec,
    JsonNode input,
    String idempotencyKey,
    int attempt,
    CallContext context,
    TraceParent trace,
    CompletionStage<String> identityToken) {

  /** Its identity token made when it is sent. */
  public ToolInvocation(
      ToolSpec spec,
      JsonNode input,
      String idempotencyKey,
      int attempt,
      CallContext context,
      TraceParent trace) {
    this(spec, input, idempotencyKey, attempt, context, trace, null);
  }

  /** Without a trace context. */
  public ToolInvocation(
      ToolSpec spec, JsonNode input, String idempotencyKey, int attempt, CallContext context) {
    this(spec, input, idempotencyKey, attempt, context, null);
  }

  /**
   * Who and what a tool call is made for; sent to tools as headers and as the claims of the call's
   * identity token.
   */
  public record CallContext(
      String tenant,
      String subject,
      String sessionId,
      String agent,
      String turnId,
      String callId,
      int agentVersion) {

    /** Without the agent's version (tests). */
    public CallContext(
        String tenant,
        String subject,
        String sessionId,
        String agent,
        String turnId,
        String callId) {
      this(tenant, subject, sessionId, agent, turnId, callId, 0);
    }
  }

  /** The same attempt, sending {@code token} (see {@link ToolExecutor#identityToken}). */
  public ToolInvocation withIdentityToken(CompletionStage<String> token) {
    return new ToolInvocation(spec, input, idempotencyKey, attempt, context, trace, token);
  }

  /** The next attempt: it makes a token of its own (each attempt's has a fresh {@code jti}). */
  public ToolInvocation nextAttempt() {
    return new ToolInvocation(spec, input, idempotencyKey, attempt + 1, context, trace);
  }
}

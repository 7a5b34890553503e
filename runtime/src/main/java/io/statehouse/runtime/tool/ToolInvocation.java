package io.statehouse.runtime.tool;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.telemetry.TraceParent;

/**
 * One attempt at one tool call, with the identity it runs under. The idempotency key is the same
 * for every attempt of a call, including attempts after a crash.
 *
 * @param trace the W3C context of the call's span, which tools that speak HTTP receive; null when
 *     the node does not trace
 */
public record ToolInvocation(
    ToolSpec spec,
    JsonNode input,
    String idempotencyKey,
    int attempt,
    CallContext context,
    TraceParent trace) {

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

  public ToolInvocation nextAttempt() {
    return new ToolInvocation(spec, input, idempotencyKey, attempt + 1, context, trace);
  }
}

package io.statehouse.runtime.identity;

import io.statehouse.runtime.tool.ToolInvocation;
import java.util.Objects;

/**
 * Who a tool call acts for and what it is: the custom claims of its identity token. The claim
 * names, defined once, are the constants below; {@code sub} and {@code aud} (the tool) are the
 * registered claims.
 */
public record ToolTokenClaims(
    String tenant,
    String subject,
    String agent,
    int agentVersion,
    String sessionId,
    String turnId,
    String callId,
    String tool,
    String idempotencyKey) {
  public static final String TENANT = "tenant";
  public static final String AGENT = "agent";
  public static final String AGENT_VERSION = "agent_version";
  public static final String SESSION = "session";
  public static final String TURN = "turn";
  public static final String CALL = "call";
  public static final String TOOL = "tool";
  public static final String IDEMPOTENCY_KEY = "idempotency_key";

  public ToolTokenClaims {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(turnId, "turnId");
    Objects.requireNonNull(callId, "callId");
    Objects.requireNonNull(tool, "tool");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
  }

  /** The claims of one attempt of a tool call by version {@code agentVersion} of its agent. */
  public static ToolTokenClaims of(ToolInvocation invocation, int agentVersion) {
    ToolInvocation.CallContext c = invocation.context();
    return new ToolTokenClaims(
        c.tenant(),
        c.subject(),
        c.agent(),
        agentVersion,
        c.sessionId(),
        c.turnId(),
        c.callId(),
        invocation.spec().name(),
        invocation.idempotencyKey());
  }
}

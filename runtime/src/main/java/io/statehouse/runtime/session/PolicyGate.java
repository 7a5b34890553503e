package io.statehouse.runtime.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.policy.PolicyDecision;
import io.statehouse.runtime.policy.PolicyEngine;
import io.statehouse.runtime.policy.PolicyFacts;

/**
 * The {@link ToolGate} of a node: the agent's policies, evaluated by the {@link PolicyEngine} (CEL)
 * over the call's facts. An agent without policies costs nothing: its calls are allowed without
 * building any facts.
 */
public final class PolicyGate implements ToolGate {
  private final PolicyEngine engine;

  public PolicyGate(PolicyEngine engine) {
    this.engine = engine;
  }

  @Override
  public Decision decide(SessionState s, ToolSpec spec, JsonNode input) {
    if (s.agent().policies().isEmpty()) {
      return Decision.ALLOW;
    }
    PolicyDecision d = engine.decide(s.agent().policies(), facts(s, spec, input));
    Effect effect =
        switch (d.effect()) {
          case ALLOW -> Effect.ALLOW;
          case DENY -> Effect.DENY;
          case REQUIRE_APPROVAL -> Effect.REQUIRE_APPROVAL;
        };
    String reason =
        d.reason() != null
            ? d.reason()
            : effect == Effect.DENY ? "denied by policy rule " + d.ruleIndex() : null;
    return new Decision(effect, d.ruleIndex(), reason, d.approvers(), d.expiresAfter());
  }

  /** What a policy's CEL sees: who started the turn, the agent, the tool, the input, usage. */
  static PolicyFacts facts(SessionState s, ToolSpec spec, JsonNode input) {
    Turn turn = s.turn();
    String actor = turn.startedBy();
    String subject =
        actor != null && actor.startsWith("user:") ? actor.substring("user:".length()) : actor;
    return new PolicyFacts(
        new Principal(s.owner().tenant(), subject == null ? "" : subject, turn.startedByRoles()),
        new PolicyFacts.Agent(s.agent().name(), s.agent().version()),
        new PolicyFacts.Tool(spec.name(), spec.version(), spec.idempotent()),
        input,
        new PolicyFacts.Session(
            s.sessionId(),
            turn.turnId(),
            s.usage().totalTokens(),
            s.usage().costUsd().doubleValue(),
            turn.modelCalls(),
            (int) Math.min(Integer.MAX_VALUE, s.toolUses())));
  }
}

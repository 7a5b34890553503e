package io.statehouse.runtime.session;

import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.policy.guardrail.GuardrailSettings;
import io.statehouse.runtime.policy.guardrail.GuardrailSpec;
import io.statehouse.runtime.policy.guardrail.Guardrails;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The compiled guardrails of the agents a node runs, by their spec's content (not by agent name:
 * two tenants' agents never share an entry unless their guardrails are identical). Bounded: past
 * {@value #MAX_ENTRIES} specs it starts afresh. An agent without guardrails costs a null check.
 */
public final class GuardrailCache {
  private static final int MAX_ENTRIES = 1_000;

  private final GuardrailSettings settings;
  private final Map<GuardrailSpec, Guardrails> compiled = new ConcurrentHashMap<>();

  public GuardrailCache(GuardrailSettings settings) {
    this.settings = settings;
  }

  public Guardrails of(AgentSpec agent) {
    GuardrailSpec spec = agent == null ? null : agent.guardrails();
    if (spec == null) {
      return Guardrails.NONE;
    }
    if (compiled.size() >= MAX_ENTRIES && !compiled.containsKey(spec)) {
      compiled.clear();
    }
    // the spec was checked at registration; compile cannot fail for a registered agent
    return compiled.computeIfAbsent(spec, s -> Guardrails.compile(s, settings));
  }
}

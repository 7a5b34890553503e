package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.policy.PolicyRule;
import io.statehouse.runtime.policy.guardrail.GuardrailSpec;
import java.util.List;
import java.util.Objects;

/**
 * A registered agent at one version: its instructions, model, the tools it may call (its
 * allowlist), the policies that decide each call, its guardrails and its limits. A session runs
 * exactly the version it was opened with.
 *
 * @param policies rules deciding every tool call before it runs; empty: every allowed tool runs
 * @param guardrails redaction and deny patterns; null: none
 * @param multitask what a message sent during a running turn does; null (agents registered before
 *     it existed): {@link Multitask#REJECT}
 */
public record AgentSpec(
    String name,
    int version,
    String description,
    String instructions,
    ModelSpec model,
    List<String> tools,
    Limits limits,
    List<PolicyRule> policies,
    GuardrailSpec guardrails,
    Multitask multitask)
    implements CborSerializable, Versioned<AgentSpec> {

  public AgentSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(limits, "limits");
    description = description == null ? "" : description;
    instructions = instructions == null ? "" : instructions;
    tools = tools == null ? List.of() : List.copyOf(tools);
    policies = policies == null ? List.of() : List.copyOf(policies);
  }

  /** Without policies or guardrails. */
  public AgentSpec(
      String name,
      int version,
      String description,
      String instructions,
      ModelSpec model,
      List<String> tools,
      Limits limits) {
    this(name, version, description, instructions, model, tools, limits, List.of(), null, null);
  }

  /** Rejecting messages sent during a running turn. */
  public AgentSpec(
      String name,
      int version,
      String description,
      String instructions,
      ModelSpec model,
      List<String> tools,
      Limits limits,
      List<PolicyRule> policies,
      GuardrailSpec guardrails) {
    this(
        name, version, description, instructions, model, tools, limits, policies, guardrails, null);
  }

  /** What a message sent during a running turn does ({@link Multitask#REJECT} when unset). */
  public Multitask busyMode() {
    return multitask == null ? Multitask.REJECT : multitask;
  }

  /** The same agent answering messages sent during a running turn as {@code mode} says. */
  public AgentSpec withMultitask(Multitask mode) {
    return new AgentSpec(
        name, version, description, instructions, model, tools, limits, policies, guardrails, mode);
  }

  /** The same agent with {@code newTools} on its allowlist. */
  public AgentSpec withTools(List<String> newTools) {
    return new AgentSpec(
        name,
        version,
        description,
        instructions,
        model,
        newTools,
        limits,
        policies,
        guardrails,
        multitask);
  }

  @Override
  public AgentSpec withVersion(int newVersion) {
    return new AgentSpec(
        name,
        newVersion,
        description,
        instructions,
        model,
        tools,
        limits,
        policies,
        guardrails,
        multitask);
  }

  /** The same agent with {@code newPolicies} and {@code newGuardrails}. */
  public AgentSpec withGovernance(List<PolicyRule> newPolicies, GuardrailSpec newGuardrails) {
    return new AgentSpec(
        name,
        version,
        description,
        instructions,
        model,
        tools,
        limits,
        newPolicies,
        newGuardrails,
        multitask);
  }

  @Override
  public boolean sameDefinitionAs(AgentSpec other) {
    return withVersion(0).equals(other.withVersion(0));
  }
}

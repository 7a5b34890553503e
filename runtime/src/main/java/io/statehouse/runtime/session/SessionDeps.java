package io.statehouse.runtime.session;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.approval.ApprovalQueue;
import io.statehouse.runtime.model.ModelClients;
import io.statehouse.runtime.policy.guardrail.GuardrailSettings;
import io.statehouse.runtime.tool.ArgumentValidator;
import io.statehouse.runtime.tool.ToolExecutor;
import io.statehouse.runtime.usage.UsageLedger;
import java.time.Clock;

/**
 * What a session needs from its node: models, a way to run tools, the gate that decides tool calls
 * (policies), the read models its list entry, approvals and usage go to, settings and a clock.
 */
public record SessionDeps(
    ModelClients models,
    ToolExecutor tools,
    ArgumentValidator validator,
    SessionDirectory directory,
    SessionSettings settings,
    Clock clock,
    ToolGate gate,
    ApprovalQueue approvals,
    GuardrailCache guardrails,
    UsageLedger usage,
    MemberTurns memberTurns) {

  public SessionDeps {
    memberTurns = memberTurns == null ? MemberTurns.NONE : memberTurns;
  }

  /** Not telling any workspace of members' turns (sessions outside a node). */
  public SessionDeps(
      ModelClients models,
      ToolExecutor tools,
      ArgumentValidator validator,
      SessionDirectory directory,
      SessionSettings settings,
      Clock clock,
      ToolGate gate,
      ApprovalQueue approvals,
      GuardrailCache guardrails,
      UsageLedger usage) {
    this(
        models,
        tools,
        validator,
        directory,
        settings,
        clock,
        gate,
        approvals,
        guardrails,
        usage,
        MemberTurns.NONE);
  }

  /** Without policies or an approval queue (behaviour tests, benchmarks). */
  public SessionDeps(
      ModelClients models,
      ToolExecutor tools,
      ArgumentValidator validator,
      SessionDirectory directory,
      SessionSettings settings,
      Clock clock) {
    this(
        models,
        tools,
        validator,
        directory,
        settings,
        clock,
        ToolGate.ALLOW_ALL,
        ApprovalQueue.NONE,
        new GuardrailCache(GuardrailSettings.fromConfig(ConfigFactory.load())),
        UsageLedger.NONE,
        MemberTurns.NONE);
  }

  public SessionDeps withGate(ToolGate newGate) {
    return new SessionDeps(
        models,
        tools,
        validator,
        directory,
        settings,
        clock,
        newGate,
        approvals,
        guardrails,
        usage,
        memberTurns);
  }

  public SessionDeps withApprovals(ApprovalQueue queue) {
    return new SessionDeps(
        models,
        tools,
        validator,
        directory,
        settings,
        clock,
        gate,
        queue,
        guardrails,
        usage,
        memberTurns);
  }

  public SessionDeps withUsage(UsageLedger ledger) {
    return new SessionDeps(
        models,
        tools,
        validator,
        directory,
        settings,
        clock,
        gate,
        approvals,
        guardrails,
        ledger,
        memberTurns);
  }

  /** Telling workspaces of their members' ended turns through {@code sink}. */
  public SessionDeps withMemberTurns(MemberTurns sink) {
    return new SessionDeps(
        models,
        tools,
        validator,
        directory,
        settings,
        clock,
        gate,
        approvals,
        guardrails,
        usage,
        sink);
  }

  /** Running tools with {@code executor}. */
  public SessionDeps withTools(ToolExecutor executor) {
    return new SessionDeps(
        models,
        executor,
        validator,
        directory,
        settings,
        clock,
        gate,
        approvals,
        guardrails,
        usage,
        memberTurns);
  }
}

package io.statehouse.runtime.session;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.approval.ApprovalQueue;
import io.statehouse.runtime.model.ModelClients;
import io.statehouse.runtime.policy.guardrail.GuardrailSettings;
import io.statehouse.runtime.telemetry.Telemetry;
import io.statehouse.runtime.tool.ArgumentValidator;
import io.statehouse.runtime.tool.ToolExecutor;
import io.statehouse.runtime.usage.UsageLedger;
import java.time.Clock;

/**
 * What a session needs from its node: models, a way to run tools, the gate that decides tool calls
 * (policies), the read models its list entry, approvals and usage go to, settings, a clock, and
 * what observes it (metrics and traces).
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
    MemberTurns memberTurns,
    Telemetry telemetry) {

  public SessionDeps {
    memberTurns = memberTurns == null ? MemberTurns.NONE : memberTurns;
    telemetry = telemetry == null ? Telemetry.NONE : telemetry;
  }

  /**
   * Without policies, an approval queue, usage, workspaces or telemetry: the withers below add them
   * (the node's wiring, behaviour tests, benchmarks).
   */
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
        MemberTurns.NONE,
        Telemetry.NONE);
  }

  public SessionDeps withGate(ToolGate newGate) {
    return with(b -> b.gate = newGate);
  }

  public SessionDeps withApprovals(ApprovalQueue queue) {
    return with(b -> b.approvals = queue);
  }

  public SessionDeps withGuardrails(GuardrailCache cache) {
    return with(b -> b.guardrails = cache);
  }

  public SessionDeps withUsage(UsageLedger ledger) {
    return with(b -> b.usage = ledger);
  }

  /** Team members tell their workspace of each ended turn through {@code sink}. */
  public SessionDeps withMemberTurns(MemberTurns sink) {
    return with(b -> b.memberTurns = sink);
  }

  public SessionDeps withTools(ToolExecutor executor) {
    return with(b -> b.tools = executor);
  }

  /** What observes the sessions: metrics and traces. */
  public SessionDeps withTelemetry(Telemetry observers) {
    return with(b -> b.telemetry = observers);
  }

  private SessionDeps with(java.util.function.Consumer<Parts> change) {
    Parts b = new Parts(this);
    change.accept(b);
    return b.deps();
  }

  /** The components, to change one: records have no copy-with. */
  private static final class Parts {
    private final SessionDeps from;
    ToolExecutor tools;
    ToolGate gate;
    ApprovalQueue approvals;
    GuardrailCache guardrails;
    UsageLedger usage;
    MemberTurns memberTurns;
    Telemetry telemetry;

    Parts(SessionDeps d) {
      from = d;
      tools = d.tools;
      gate = d.gate;
      approvals = d.approvals;
      guardrails = d.guardrails;
      usage = d.usage;
      memberTurns = d.memberTurns;
      telemetry = d.telemetry;
    }

    SessionDeps deps() {
      return new SessionDeps(
          from.models,
          tools,
          from.validator,
          from.directory,
          from.settings,
          from.clock,
          gate,
          approvals,
          guardrails,
          usage,
          memberTurns,
          telemetry);
    }
  }
}

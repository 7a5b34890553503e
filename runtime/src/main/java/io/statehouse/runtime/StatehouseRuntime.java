package io.statehouse.runtime;

import com.typesafe.config.Config;
import io.statehouse.runtime.approval.ApprovalQueue;
import io.statehouse.runtime.approval.ApprovalTimers;
import io.statehouse.runtime.audit.SessionEventSerializer;
import io.statehouse.runtime.catalog.Catalog;
import io.statehouse.runtime.identity.NodeKeys;
import io.statehouse.runtime.identity.ToolTokenClaims;
import io.statehouse.runtime.identity.ToolTokens;
import io.statehouse.runtime.model.ModelClients;
import io.statehouse.runtime.model.Prices;
import io.statehouse.runtime.model.bedrock.BedrockModelClient;
import io.statehouse.runtime.model.bedrock.BedrockOptions;
import io.statehouse.runtime.model.openai.OpenAiModelClient;
import io.statehouse.runtime.model.openai.OpenAiOptions;
import io.statehouse.runtime.model.scripted.ScriptedModelClient;
import io.statehouse.runtime.policy.CelPolicyEngine;
import io.statehouse.runtime.policy.PolicySettings;
import io.statehouse.runtime.policy.guardrail.GuardrailSettings;
import io.statehouse.runtime.session.AgentSession;
import io.statehouse.runtime.session.GuardrailCache;
import io.statehouse.runtime.session.PolicyGate;
import io.statehouse.runtime.session.SessionDeps;
import io.statehouse.runtime.session.SessionDirectory;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.session.SessionSettings;
import io.statehouse.runtime.tool.ArgumentValidator;
import io.statehouse.runtime.tool.RoutingToolExecutor;
import io.statehouse.runtime.tool.ToolInvocation;
import io.statehouse.runtime.tool.builtin.BuiltinToolExecutor;
import io.statehouse.runtime.tool.builtin.BuiltinTools;
import io.statehouse.runtime.tool.egress.EgressGuard;
import io.statehouse.runtime.tool.egress.NodePorts;
import io.statehouse.runtime.tool.http.HttpToolExecutor;
import io.statehouse.runtime.tool.mcp.McpClients;
import io.statehouse.runtime.tool.mcp.McpToolExecutor;
import io.statehouse.runtime.workspace.ShardedMembers;
import io.statehouse.runtime.workspace.Workspace;
import io.statehouse.runtime.workspace.WorkspaceConditions;
import io.statehouse.runtime.workspace.WorkspaceDeps;
import io.statehouse.runtime.workspace.WorkspaceId;
import io.statehouse.runtime.workspace.WorkspaceSettings;
import io.statehouse.runtime.workspace.WorkspaceToolExecutor;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * Wires the runtime's sharded entities into an actor system. {@code Main} calls {@link #init}, and
 * so do the integration tests: there is one way to start a node.
 */
public final class StatehouseRuntime {
  private final ClusterSharding sharding;
  private final WorkspaceSettings workspaceSettings;

  private StatehouseRuntime(ClusterSharding sharding, WorkspaceSettings workspaceSettings) {
    this.sharding = sharding;
    this.workspaceSettings = workspaceSettings;
  }

  /**
   * Registers the {@code session}, {@code workspace} and {@code catalog} entity types. Sessions
   * (and running team workspaces) are remembered entities: a session that was running when its node
   * died is started again by sharding and resumes its turn without a client request.
   */
  public static StatehouseRuntime init(ActorSystem<?> system, SessionDeps nodeDeps) {
    // a node that cannot seal its journal stops here, saying which key to set
    SessionEventSerializer.requireKeys(system);
    ClusterSharding sharding = ClusterSharding.get(system);
    Config config = system.settings().config();
    SessionDeps deps = withWorkspaces(nodeDeps, sharding);
    WorkspaceDeps workspaceDeps =
        new WorkspaceDeps(
            new ShardedMembers(sharding),
            WorkspaceSettings.fromConfig(config),
            deps.clock(),
            WorkspaceConditions.fromConfig(config));
    // a running team run is remembered like a running session: it goes on after a crash
    sharding.init(
        Entity.of(
                Workspace.ENTITY_TYPE,
                ctx ->
                    Workspace.create(
                        WorkspaceId.fromEntityId(ctx.getEntityId()), workspaceDeps, ctx.getShard()))
            .withSettings(ClusterShardingSettings.create(system).withRememberEntities(true))
            .withStopMessage(new Workspace.Stop()));
    sharding.init(
        Entity.of(
                AgentSession.ENTITY_TYPE,
                ctx ->
                    AgentSession.create(
                        SessionId.fromEntityId(ctx.getEntityId()), deps, ctx.getShard()))
            .withSettings(ClusterShardingSettings.create(system).withRememberEntities(true))
            .withStopMessage(new AgentSession.Stop()));
    sharding.init(
        Entity.of(Catalog.ENTITY_TYPE, ctx -> Catalog.create(ctx.getEntityId(), deps.clock())));
    // one poller of approval deadlines per cluster; the deadlines themselves are in Cassandra
    ApprovalTimers.Settings timers = ApprovalTimers.Settings.fromConfig(system.settings().config());
    ClusterSingleton.get(system)
        .init(
            SingletonActor.of(
                ApprovalTimers.create(
                    deps.approvals(),
                    d -> expire(sharding, d, timers.resendAfter()),
                    timers,
                    deps.clock()),
                "approval-timers"));
    return new StatehouseRuntime(sharding, workspaceDeps.settings());
  }

  /**
   * Sessions of team members reach their workspace: their workspace tools are asks of the workspace
   * entity, and each of their ended turns is told to it.
   */
  private static SessionDeps withWorkspaces(SessionDeps deps, ClusterSharding sharding) {
    SessionDeps out =
        deps.withMemberTurns(
            (member, session, outcome) ->
                sharding
                    .entityRefFor(
                        Workspace.ENTITY_TYPE,
                        new WorkspaceId(session.tenant(), member.workspaceId()).entityId())
                    .tell(new Workspace.TurnEnded(session.id(), outcome)));
    if (deps.tools() instanceof RoutingToolExecutor routing) {
      out = out.withTools(routing.withWorkspaces(new WorkspaceToolExecutor(sharding)));
    }
    return out;
  }

  /**
   * Tells the session of {@code deadline} to expire it; completes with whether the deadline is
   * stale: the session has nothing waiting for it, or there is no such session.
   */
  private static CompletionStage<Boolean> expire(
      ClusterSharding sharding, ApprovalQueue.Deadline deadline, Duration timeout) {
    return Asks.askWithStatus(
            sharding.entityRefFor(
                AgentSession.ENTITY_TYPE,
                new SessionId(deadline.tenant(), deadline.sessionId()).entityId()),
            AgentSession.Expiry.class,
            r -> new AgentSession.ExpireApproval(deadline.approvalId(), r),
            timeout)
        .handle(
            (expiry, error) -> {
              if (error == null) {
                return expiry == AgentSession.Expiry.SETTLED;
              }
              Throwable cause = Futures.unwrap(error);
              if (cause instanceof Rejection r && "session_not_found".equals(r.code())) {
                return true;
              }
              throw error instanceof CompletionException c ? c : new CompletionException(error);
            });
  }

  /**
   * The dependencies a node uses by default: the models and tools (HTTP, MCP servers, in-process
   * providers found on the class path) from config, and the directory session list entries go to.
   * The node's own ports, which tools may not call, are those config names; see the overload taking
   * the actor system for a remoting port of 0.
   */
  public static SessionDeps defaultDeps(Config config, SessionDirectory directory) {
    return defaultDeps(
        config, directory, NodePorts.fromConfig(config), NodeKeys.fromConfig(config));
  }

  /**
   * As {@link #defaultDeps(Config, SessionDirectory)}, adding the remoting port {@code system} is
   * bound to (config may say 0), and signing tool tokens with {@code keys} (the keys the node
   * publishes). An HTTP port of 0 is bound later and stays unknown to the egress policy: only tests
   * use it.
   */
  public static SessionDeps defaultDeps(
      Config config, SessionDirectory directory, ActorSystem<?> system, NodeKeys keys) {
    NodePorts ports = NodePorts.fromConfig(config);
    SessionDeps deps =
        defaultDeps(config, directory, ports.withOther(system.address().getPort().orElse(0)), keys);
    // MCP server processes stop with the node
    if (deps.tools() instanceof RoutingToolExecutor tools) {
      system.getWhenTerminated().thenRun(tools::close);
    }
    return deps;
  }

  private static SessionDeps defaultDeps(
      Config config, SessionDirectory directory, NodePorts nodePorts, NodeKeys keys) {
    // one egress guard (and lookup pool) for tool calls and for model servers agents name
    EgressGuard egress = EgressGuard.fromConfig(config, nodePorts);
    ArgumentValidator validator = new ArgumentValidator();
    java.util.function.Function<ToolInvocation, String> identity = identity(config, keys);
    // one executor per target kind: HTTP, MCP servers, in-process tools (ToolProvider)
    RoutingToolExecutor tools =
        new RoutingToolExecutor(
            HttpToolExecutor.fromConfig(config, egress).withIdentity(identity),
            new McpToolExecutor(McpClients.fromConfig(config, egress, validator))
                .withIdentity(identity),
            BuiltinToolExecutor.fromConfig(config, BuiltinTools.discover()));
    return new SessionDeps(
            new ModelClients(
                Map.of(
                    ScriptedModelClient.PROVIDER,
                    new ScriptedModelClient(),
                    BedrockOptions.PROVIDER,
                    BedrockModelClient.fromConfig(config),
                    OpenAiOptions.PROVIDER,
                    OpenAiModelClient.fromConfig(config, egress)),
                Prices.fromConfig(config)),
            tools,
            validator,
            directory,
            SessionSettings.fromConfig(config),
            Clock.systemUTC())
        .withGate(new PolicyGate(new CelPolicyEngine(PolicySettings.fromConfig(config))))
        .withGuardrails(new GuardrailCache(GuardrailSettings.fromConfig(config)));
  }

  /**
   * The identity tokens of tool calls, signed with the node's keys ({@code statehouse.identity}):
   * audience the tool, claims who acts for whom.
   */
  private static java.util.function.Function<ToolInvocation, String> identity(
      Config config, NodeKeys keys) {
    ToolTokens tokens = ToolTokens.fromConfig(config, keys, Clock.systemUTC());
    return inv -> {
      ToolInvocation.CallContext c = inv.context();
      return tokens.issue(
          new ToolTokenClaims(
              c.tenant(),
              c.subject(),
              c.agent(),
              c.agentVersion(),
              c.sessionId(),
              c.turnId(),
              c.callId(),
              inv.spec().name(),
              inv.idempotencyKey()));
    };
  }

  public EntityRef<AgentSession.Command> session(SessionId id) {
    return sharding.entityRefFor(AgentSession.ENTITY_TYPE, id.entityId());
  }

  public EntityRef<Catalog.Command> catalog(String tenant) {
    return sharding.entityRefFor(Catalog.ENTITY_TYPE, tenant);
  }

  public EntityRef<Workspace.Command> workspace(WorkspaceId id) {
    return sharding.entityRefFor(Workspace.ENTITY_TYPE, id.entityId());
  }

  public WorkspaceSettings workspaceSettings() {
    return workspaceSettings;
  }
}

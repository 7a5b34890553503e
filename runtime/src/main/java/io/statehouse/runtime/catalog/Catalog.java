package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.journal.JournalLoss;
import java.time.Clock;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * A tenant's tools, agents, MCP servers and teams: one sharded, event-sourced entity per tenant
 * (entity id = tenant). Registering bumps the version only when the definition changed, so
 * re-sending the same definition is a no-op that returns the current version. An agent can only
 * name registered tools and usable tools of registered MCP servers; the check and the write happen
 * in one actor, so they cannot race. For the same reason an MCP server cannot be removed, or
 * registered again without a tool, while an agent names that tool; and a team can only name
 * registered agents.
 */
public final class Catalog
    extends EventSourcedBehaviorWithEnforcedReplies<Catalog.Command, CatalogEvent, CatalogState> {

  public static final EntityTypeKey<Command> ENTITY_TYPE =
      EntityTypeKey.create(Command.class, "catalog");

  /** Everything a catalog accepts. */
  public sealed interface Command extends CborSerializable {}

  /** Registers a tool (its version is assigned here). Replies with the stored spec. */
  public record PutTool(
      ToolSpec spec, String actor, ActorRef<StatusReply<ToolRegistration>> replyTo)
      implements Command {}

  /** Registers an agent; {@code unknown_tool} if it names tools that are not registered. */
  public record PutAgent(
      AgentSpec spec, String actor, ActorRef<StatusReply<AgentRegistration>> replyTo)
      implements Command {}

  /** Replies with the tool; {@code tool_not_found}. */
  public record GetTool(String name, ActorRef<StatusReply<ToolSpec>> replyTo) implements Command {}

  /** Replies with the agent; {@code agent_not_found}. */
  public record GetAgent(String name, ActorRef<StatusReply<AgentSpec>> replyTo)
      implements Command {}

  /** Replies with the agent and the current specs of its tools, ready to pin in a new session. */
  public record Resolve(String agent, ActorRef<StatusReply<ResolvedAgent>> replyTo)
      implements Command {}

  /** Replies with every tool and agent, sorted by name. */
  public record ListAll(ActorRef<CatalogListing> replyTo) implements Command {}

  /**
   * Registers an MCP server with the tools discovery found (its version is assigned here). Replies
   * with the stored spec; {@code name_taken} when registered tools already use its prefix ({@code
   * <name>__}), {@code mcp_tool_in_use} when an agent names a tool it no longer offers.
   */
  public record PutMcpServer(
      McpServerSpec spec, String actor, ActorRef<StatusReply<McpServerRegistration>> replyTo)
      implements Command {}

  /** Replies with the MCP server; {@code mcp_server_not_found}. */
  public record GetMcpServer(String name, ActorRef<StatusReply<McpServerSpec>> replyTo)
      implements Command {}

  /** Replies with every MCP server, sorted by name. */
  public record ListMcpServers(ActorRef<McpServerListing> replyTo) implements Command {}

  /**
   * Removes an MCP server. Replies with the version it had; {@code mcp_server_not_found}, {@code
   * mcp_server_in_use} while an agent names one of its tools.
   */
  public record RemoveMcpServer(String name, String actor, ActorRef<StatusReply<Integer>> replyTo)
      implements Command {}

  /**
   * Registers a team (its version is assigned here); {@code unknown_agent} if a member's agent is
   * not registered. Check it with {@link TeamSpecs} first.
   */
  public record PutTeam(
      TeamSpec spec, String actor, ActorRef<StatusReply<TeamRegistration>> replyTo)
      implements Command {}

  /** Replies with the team; {@code team_not_found}. */
  public record GetTeam(String name, ActorRef<StatusReply<TeamSpec>> replyTo) implements Command {}

  /** Replies with every team, sorted by name. */
  public record ListTeams(ActorRef<TeamListing> replyTo) implements Command {}

  /**
   * Replies with the team and each member's agent resolved as {@link Resolve} does, read in one
   * step so that a run pins versions that were current together; {@code team_not_found}, {@code
   * unknown_agent} if a member's agent is no longer registered.
   */
  public record ResolveTeam(String name, ActorRef<StatusReply<ResolvedTeam>> replyTo)
      implements Command {}

  /**
   * Internal: the node lost its journal. The catalog stops; the next request starts it again from
   * what the journal holds.
   */
  record JournalLost() implements Command {}

  /**
   * A tool registration's result; {@code changed} is false when the definition was already current.
   */
  public record ToolRegistration(ToolSpec spec, boolean changed) implements CborSerializable {}

  /**
   * An agent registration's result; {@code changed} is false when the definition was already
   * current.
   */
  public record AgentRegistration(AgentSpec spec, boolean changed) implements CborSerializable {}

  public record ResolvedAgent(AgentSpec agent, List<ToolSpec> tools) implements CborSerializable {}

  /**
   * An MCP server registration's result; {@code changed} is false when the definition and its tools
   * were already current.
   */
  public record McpServerRegistration(McpServerSpec spec, boolean changed)
      implements CborSerializable {}

  public record McpServerListing(List<McpServerSpec> servers) implements CborSerializable {}

  /**
   * A team registration's result; {@code changed} is false when the definition was already current.
   */
  public record TeamRegistration(TeamSpec spec, boolean changed) implements CborSerializable {}

  public record TeamListing(List<TeamSpec> teams) implements CborSerializable {}

  /** A team with its members' agents, by role. */
  public record ResolvedTeam(TeamSpec team, Map<String, ResolvedAgent> agents)
      implements CborSerializable {
    public ResolvedTeam {
      agents = Map.copyOf(agents);
    }
  }

  public record CatalogListing(List<ToolSpec> tools, List<AgentSpec> agents)
      implements CborSerializable {}

  private final Clock clock;

  private Catalog(String tenant, Clock clock) {
    super(PersistenceId.of(ENTITY_TYPE.name(), tenant));
    this.clock = clock;
  }

  public static Behavior<Command> create(String tenant, Clock clock) {
    return Behaviors.setup(
        ctx -> {
          JournalLoss.subscribe(ctx, lost -> new JournalLost());
          return new Catalog(tenant, clock);
        });
  }

  @Override
  public CatalogState emptyState() {
    return CatalogState.empty();
  }

  @Override
  public EventHandler<CatalogState, CatalogEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(CatalogState::apply);
  }

  @Override
  public CommandHandlerWithReply<Command, CatalogEvent, CatalogState> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(PutTool.class, this::onPutTool)
        .onCommand(PutAgent.class, this::onPutAgent)
        .onCommand(
            GetTool.class,
            (s, c) ->
                Effect()
                    .reply(
                        c.replyTo(), found(s.tool(c.name()), "tool_not_found", "tool " + c.name())))
        .onCommand(
            GetAgent.class,
            (s, c) ->
                Effect()
                    .reply(
                        c.replyTo(),
                        found(s.agent(c.name()), "agent_not_found", "agent " + c.name())))
        .onCommand(Resolve.class, this::onResolve)
        .onCommand(PutMcpServer.class, this::onPutMcpServer)
        .onCommand(RemoveMcpServer.class, this::onRemoveMcpServer)
        .onCommand(
            GetMcpServer.class,
            (s, c) ->
                Effect()
                    .reply(
                        c.replyTo(),
                        found(
                            s.mcpServer(c.name()),
                            "mcp_server_not_found",
                            "MCP server " + c.name())))
        .onCommand(
            ListMcpServers.class,
            (s, c) ->
                Effect()
                    .reply(
                        c.replyTo(),
                        new McpServerListing(
                            s.mcpServers().values().stream()
                                .sorted(Comparator.comparing(McpServerSpec::name))
                                .toList())))
        .onCommand(PutTeam.class, this::onPutTeam)
        .onCommand(
            GetTeam.class,
            (s, c) ->
                Effect()
                    .reply(
                        c.replyTo(), found(s.team(c.name()), "team_not_found", "team " + c.name())))
        .onCommand(
            ListTeams.class,
            (s, c) ->
                Effect()
                    .reply(
                        c.replyTo(),
                        new TeamListing(
                            s.teams().values().stream()
                                .sorted(Comparator.comparing(TeamSpec::name))
                                .toList())))
        .onCommand(ResolveTeam.class, this::onResolveTeam)
        .onCommand(JournalLost.class, (s, c) -> Effect().stop().thenNoReply())
        .onCommand(
            ListAll.class,
            (s, c) ->
                Effect()
                    .reply(
                        c.replyTo(),
                        new CatalogListing(
                            s.tools().values().stream()
                                .sorted(Comparator.comparing(ToolSpec::name))
                                .toList(),
                            s.agents().values().stream()
                                .sorted(Comparator.comparing(AgentSpec::name))
                                .toList())))
        .build();
  }

  private ReplyEffect<CatalogEvent, CatalogState> onPutTool(CatalogState s, PutTool c) {
    Optional<String> server =
        McpToolNames.serverOf(c.spec().name()).filter(s.mcpServers()::containsKey);
    if (server.isPresent()) {
      return Effect()
          .reply(
              c.replyTo(),
              StatusReply.error(
                  new Rejection(
                      "name_taken",
                      "tool names starting with '"
                          + server.get()
                          + "__' are the tools of MCP server "
                          + server.get())));
    }
    return register(
        s.tool(c.spec().name()),
        c.spec(),
        c.replyTo(),
        v -> new CatalogEvent.ToolRegistered(clock.instant(), c.actor(), v),
        ToolRegistration::new);
  }

  /**
   * Registers {@code spec} at the version after {@code current}'s (1 when new), or confirms {@code
   * current} without writing when {@code spec} is the same definition.
   */
  private <T extends Versioned<T>, R> ReplyEffect<CatalogEvent, CatalogState> register(
      Optional<T> current,
      T spec,
      ActorRef<StatusReply<R>> replyTo,
      java.util.function.Function<T, CatalogEvent> registered,
      java.util.function.BiFunction<T, Boolean, R> registration) {
    if (current.isPresent() && current.get().sameDefinitionAs(spec)) {
      return Effect().reply(replyTo, StatusReply.success(registration.apply(current.get(), false)));
    }
    T versioned = spec.withVersion(current.map(t -> t.version() + 1).orElse(1));
    return Effect()
        .persist(registered.apply(versioned))
        .thenReply(replyTo, st -> StatusReply.success(registration.apply(versioned, true)));
  }

  private ReplyEffect<CatalogEvent, CatalogState> onPutAgent(CatalogState s, PutAgent c) {
    List<String> missing = s.missingTools(c.spec().tools());
    if (!missing.isEmpty()) {
      return Effect()
          .reply(
              c.replyTo(),
              StatusReply.error(
                  new Rejection(
                      "unknown_tool",
                      "agent names tools that are not registered: "
                          + missing
                          + " ("
                          + String.join("; ", missing.stream().map(s::whyMissing).toList())
                          + ")")));
    }
    return register(
        s.agent(c.spec().name()),
        c.spec(),
        c.replyTo(),
        v -> new CatalogEvent.AgentRegistered(clock.instant(), c.actor(), v),
        AgentRegistration::new);
  }

  private ReplyEffect<CatalogEvent, CatalogState> onResolve(CatalogState s, Resolve c) {
    Optional<AgentSpec> agent = s.agent(c.agent());
    if (agent.isEmpty()) {
      return Effect()
          .reply(
              c.replyTo(),
              StatusReply.error(new Rejection("agent_not_found", "no agent named " + c.agent())));
    }
    return Effect().reply(c.replyTo(), StatusReply.success(resolved(s, agent.get())));
  }

  /** The agent with the current specs of its tools, ready to pin in a new session. */
  private static ResolvedAgent resolved(CatalogState s, AgentSpec agent) {
    List<ToolSpec> tools =
        agent.tools().stream().map(s::resolve).flatMap(Optional::stream).toList();
    return new ResolvedAgent(agent, tools);
  }

  private ReplyEffect<CatalogEvent, CatalogState> onPutTeam(CatalogState s, PutTeam c) {
    List<String> missing = missingAgents(s, c.spec());
    if (!missing.isEmpty()) {
      return Effect()
          .reply(
              c.replyTo(),
              StatusReply.error(
                  new Rejection(
                      "unknown_agent",
                      "team members name agents that are not registered: "
                          + String.join("; ", missing))));
    }
    return register(
        s.team(c.spec().name()),
        c.spec(),
        c.replyTo(),
        v -> new CatalogEvent.TeamRegistered(clock.instant(), c.actor(), v),
        TeamRegistration::new);
  }

  /** "role: agent" for each member whose agent is not registered. */
  private static List<String> missingAgents(CatalogState s, TeamSpec team) {
    return team.members().stream()
        .filter(m -> s.agent(m.agent()).isEmpty())
        .map(m -> m.role() + ": " + m.agent())
        .toList();
  }

  private ReplyEffect<CatalogEvent, CatalogState> onResolveTeam(CatalogState s, ResolveTeam c) {
    Optional<TeamSpec> team = s.team(c.name());
    if (team.isEmpty()) {
      return Effect()
          .reply(
              c.replyTo(),
              StatusReply.error(new Rejection("team_not_found", "no team " + c.name())));
    }
    List<String> missing = missingAgents(s, team.get());
    if (!missing.isEmpty()) {
      // agents cannot be removed today; refuse rather than start a run with a member missing
      return Effect()
          .reply(
              c.replyTo(),
              StatusReply.error(
                  new Rejection(
                      "unknown_agent",
                      "team "
                          + c.name()
                          + " names agents that are not registered: "
                          + String.join("; ", missing))));
    }
    Map<String, ResolvedAgent> agents = new LinkedHashMap<>();
    for (TeamSpec.Member m : team.get().members()) {
      agents.put(m.role(), resolved(s, s.agent(m.agent()).orElseThrow()));
    }
    return Effect().reply(c.replyTo(), StatusReply.success(new ResolvedTeam(team.get(), agents)));
  }

  private ReplyEffect<CatalogEvent, CatalogState> onPutMcpServer(CatalogState s, PutMcpServer c) {
    String name = c.spec().name();
    String prefix = name + McpToolNames.SEPARATOR;
    List<String> clashing =
        s.tools().keySet().stream().filter(t -> t.startsWith(prefix)).sorted().toList();
    if (!clashing.isEmpty()) {
      return Effect()
          .reply(
              c.replyTo(),
              StatusReply.error(
                  new Rejection(
                      "name_taken",
                      "the tools of MCP server "
                          + name
                          + " would be named '"
                          + prefix
                          + "…', which registered tools use: "
                          + clashing)));
    }
    Optional<McpServerSpec> current = s.mcpServer(name);
    if (current.isPresent() && current.get().sameDefinitionAs(c.spec())) {
      return Effect()
          .reply(c.replyTo(), StatusReply.success(new McpServerRegistration(current.get(), false)));
    }
    // an agent's tool that this registration would no longer offer: the agent must change first
    List<String> lost = new java.util.ArrayList<>();
    s.agentsUsingServer(name)
        .forEach(
            (agent, tools) ->
                tools.stream()
                    .filter(t -> c.spec().tool(t).filter(McpTool::usable).isEmpty())
                    .forEach(t -> lost.add(agent + ": " + t)));
    if (!lost.isEmpty()) {
      return Effect()
          .reply(
              c.replyTo(),
              StatusReply.error(
                  new Rejection(
                      "mcp_tool_in_use",
                      "agents name tools this registration of "
                          + name
                          + " would not offer (the server no longer lists them, or they became"
                          + " unusable); change the agents first: "
                          + lost.stream().sorted().toList())));
    }
    int base =
        current.map(McpServerSpec::version).orElse(s.mcpLastVersions().getOrDefault(name, 0));
    McpServerSpec versioned = c.spec().withVersion(base + 1);
    return Effect()
        .persist(new CatalogEvent.McpServerRegistered(clock.instant(), c.actor(), versioned))
        .thenReply(
            c.replyTo(), st -> StatusReply.success(new McpServerRegistration(versioned, true)));
  }

  private ReplyEffect<CatalogEvent, CatalogState> onRemoveMcpServer(
      CatalogState s, RemoveMcpServer c) {
    Optional<McpServerSpec> current = s.mcpServer(c.name());
    if (current.isEmpty()) {
      return Effect()
          .reply(
              c.replyTo(),
              StatusReply.error(
                  new Rejection("mcp_server_not_found", "no MCP server " + c.name())));
    }
    var users = s.agentsUsingServer(c.name());
    if (!users.isEmpty()) {
      return Effect()
          .reply(
              c.replyTo(),
              StatusReply.error(
                  new Rejection(
                      "mcp_server_in_use",
                      "agents name tools of MCP server "
                          + c.name()
                          + "; change them first: "
                          + new java.util.TreeMap<>(users))));
    }
    int version = current.get().version();
    return Effect()
        .persist(new CatalogEvent.McpServerRemoved(clock.instant(), c.actor(), c.name(), version))
        .thenReply(c.replyTo(), st -> StatusReply.success(version));
  }

  private static <T> StatusReply<T> found(Optional<T> value, String code, String what) {
    return value
        .map(StatusReply::success)
        .orElseGet(() -> StatusReply.error(new Rejection(code, "no " + what)));
  }
}

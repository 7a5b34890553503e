package io.statehouse.runtime.workspace;

import io.statehouse.runtime.Asks;
import io.statehouse.runtime.EntityIds;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.StatehouseRuntime;
import io.statehouse.runtime.catalog.Catalog;
import io.statehouse.runtime.catalog.TeamSpec;
import io.statehouse.runtime.session.AgentSession;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.session.SessionState;
import io.statehouse.runtime.telemetry.TraceParent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Starts team runs: the service behind {@code POST /v1/teams/{name}/runs}, outside any route. It
 * pins the team and its members' agents at their current versions (one catalog step), opens one
 * session per member (its agent with the workspace tools, its messages queued), then starts the
 * workspace with those seats; the workspace delivers the input. A crash before the last step leaves
 * idle member sessions and no run: the client sees an error and nothing runs.
 */
public final class TeamRuns {
  private final StatehouseRuntime runtime;

  public TeamRuns(StatehouseRuntime runtime) {
    this.runtime = runtime;
  }

  /**
   * Starts a run of team {@code team} for {@code owner} with {@code input}. Fails with the
   * catalog's rejection ({@code team_not_found}, …) or a session's.
   */
  public CompletionStage<WorkspaceState> start(
      Principal owner, String team, String input, Duration timeout) {
    return start(owner, team, input, null, timeout);
  }

  /**
   * As {@link #start(Principal, String, String, Duration)}, continuing the caller's {@code trace}.
   */
  public CompletionStage<WorkspaceState> start(
      Principal owner, String team, String input, TraceParent trace, Duration timeout) {
    return Asks.askWithStatus(
            runtime.catalog(owner.tenant()),
            Catalog.ResolvedTeam.class,
            r -> new Catalog.ResolveTeam(team, r),
            timeout)
        .thenCompose(resolved -> open(owner, resolved, input, trace, timeout));
  }

  private CompletionStage<WorkspaceState> open(
      Principal owner,
      Catalog.ResolvedTeam resolved,
      String input,
      TraceParent trace,
      Duration timeout) {
    TeamSpec team = resolved.team();
    WorkspaceId workspace = WorkspaceId.random(owner.tenant());
    String runId = EntityIds.random("run_");
    WorkspaceSettings settings = runtime.workspaceSettings();
    List<Seat> seats = new ArrayList<>();
    List<CompletableFuture<SessionState>> opened = new ArrayList<>();
    for (TeamSpec.Member m : team.members()) {
      Catalog.ResolvedAgent agent = resolved.agents().get(m.role());
      SessionId session = SessionId.random(owner.tenant());
      seats.add(new Seat(m.role(), agent.agent().name(), agent.agent().version(), session.id()));
      opened.add(
          Asks.askWithStatus(
                  runtime.session(session),
                  SessionState.class,
                  r ->
                      new AgentSession.Create(
                          owner,
                          WorkspaceTools.memberAgent(agent.agent()),
                          WorkspaceTools.memberTools(
                              agent.tools(), workspace.id(), m.role(), settings),
                          Map.of(
                              "team", team.name(),
                              "role", m.role(),
                              "workspace", workspace.id()),
                          r),
                  timeout)
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(opened.toArray(CompletableFuture[]::new))
        .thenCompose(
            all ->
                Asks.askWithStatus(
                    runtime.workspace(workspace),
                    WorkspaceState.class,
                    r -> new Workspace.StartRun(owner, runId, team, seats, input, trace, r),
                    timeout));
  }
}

package io.statehouse.api.http;

import io.statehouse.api.dto.Requests;
import io.statehouse.api.dto.TeamDefinitions;
import io.statehouse.api.dto.TeamDefinitions.TeamDefinition;
import io.statehouse.api.dto.TeamViews;
import io.statehouse.api.dto.WorkspaceViews;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.catalog.Catalog;
import io.statehouse.runtime.catalog.TeamSpec;
import io.statehouse.runtime.telemetry.TraceParent;
import io.statehouse.runtime.workspace.TeamRuns;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.pattern.StatusReply;

/**
 * {@code /v1/teams}: register a team (PUT, JSON or YAML), read, list. Teams live in the tenant's
 * catalog beside its agents and are versioned the same way: a PUT answers 201 when it created the
 * team and 200 when it changed or confirmed it, and the body carries the version runs will pin.
 * Defining a team takes the role that defines agents.
 */
final class TeamRoutes extends RouteSupport {
  private final Function<String, EntityRef<Catalog.Command>> catalogs;
  private final TeamDefinitions definitions;
  private final TeamRuns runs;

  /**
   * @param catalogs the catalog entity of a tenant
   */
  TeamRoutes(
      RouteSupport base,
      Function<String, EntityRef<Catalog.Command>> catalogs,
      TeamDefinitions definitions) {
    this(base, catalogs, definitions, null);
  }

  /**
   * @param runs starts team runs; null: the node starts none ({@code /runs} is a 404)
   */
  TeamRoutes(
      RouteSupport base,
      Function<String, EntityRef<Catalog.Command>> catalogs,
      TeamDefinitions definitions,
      TeamRuns runs) {
    super(base);
    this.catalogs = catalogs;
    this.definitions = definitions;
    this.runs = runs;
  }

  Route routes(Principal p) {
    return pathPrefix(
        "teams",
        () ->
            concat(
                pathEnd(() -> get(() -> list(p))),
                pathPrefix(
                    PathMatchers.segment(),
                    name ->
                        concat(
                            pathEnd(
                                () ->
                                    concat(
                                        put(
                                            () ->
                                                body(
                                                    TeamDefinition.class,
                                                    true,
                                                    d -> put(p, name, d))),
                                        get(() -> get(p, name)))),
                            runs(p, name)))));
  }

  /**
   * {@code POST /v1/teams/{name}/runs {input}}: starts a run of the team at its current version:
   * 201 with the run, its workspace, and where to read it. Its members' turns continue the caller's
   * W3C trace context, if it sent one.
   */
  private Route runs(Principal p, String name) {
    if (runs == null) {
      return reject();
    }
    return path(
        "runs",
        () ->
            post(
                () ->
                    traceContext(
                        trace ->
                            body(
                                Requests.StartRun.class,
                                false,
                                req -> startRun(p, name, req, trace)))));
  }

  private Route startRun(Principal p, String name, Requests.StartRun req, TraceParent trace) {
    Access.require(p, "starting a team run", Access.USE_SESSIONS);
    requireText(req.input(), "input", "input is required: what the team's entry role gets");
    return respond(
        translated(runs.start(p, name, req.input(), trace, settings.askTimeout()))
            .thenApply(
                s ->
                    ApiJson.response(StatusCodes.CREATED, WorkspaceViews.started(s))
                        .addHeader(Location.create("/v1/workspaces/" + s.workspaceId()))));
  }

  private Route put(Principal p, String name, TeamDefinition d) {
    Access.require(p, "defining teams", Access.DEFINE);
    TeamSpec spec = definitions.team(name, d);
    return respond(
        ask(
                catalogs.apply(p.tenant()),
                Catalog.TeamRegistration.class,
                r -> new Catalog.PutTeam(spec, p.actor(), r))
            .thenApply(
                reg ->
                    ApiJson.response(
                        reg.changed() && reg.spec().version() == 1
                            ? StatusCodes.CREATED
                            : StatusCodes.OK,
                        TeamViews.team(reg.spec()))));
  }

  private Route get(Principal p, String name) {
    return respond(
        ask(catalogs.apply(p.tenant()), TeamSpec.class, r -> new Catalog.GetTeam(name, r))
            .thenApply(t -> ApiJson.response(StatusCodes.OK, TeamViews.team(t))));
  }

  private Route list(Principal p) {
    return listing(
        catalogs.apply(p.tenant()),
        Catalog.ListTeams::new,
        l -> l.teams().stream().map(TeamViews::team).toList());
  }

  private <R> CompletionStage<R> ask(
      EntityRef<Catalog.Command> catalog,
      Class<R> replyType,
      Function<ActorRef<StatusReply<R>>, Catalog.Command> message) {
    return ask(catalog, replyType, message, settings.askTimeout());
  }
}

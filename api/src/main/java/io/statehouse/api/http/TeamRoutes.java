package io.statehouse.api.http;

import io.statehouse.api.dto.TeamDefinitions;
import io.statehouse.api.dto.TeamDefinitions.TeamDefinition;
import io.statehouse.api.dto.TeamViews;
import io.statehouse.api.dto.Views;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.catalog.Catalog;
import io.statehouse.runtime.catalog.TeamSpec;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.http.javadsl.model.StatusCodes;
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

  /**
   * @param catalogs the catalog entity of a tenant
   */
  TeamRoutes(
      RouteSupport base,
      Function<String, EntityRef<Catalog.Command>> catalogs,
      TeamDefinitions definitions) {
    super(base);
    this.catalogs = catalogs;
    this.definitions = definitions;
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
   * {@code /v1/teams/{name}/runs} (issue 8): starting a run of the team. Until it is written this
   * matches nothing, so the path answers 404 like any unknown one.
   */
  private Route runs(Principal p, String name) {
    return reject();
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
    CompletableFuture<Catalog.TeamListing> listing =
        journal.available()
            ? catalogs
                .apply(p.tenant())
                .<Catalog.TeamListing>ask(Catalog.ListTeams::new, settings.askTimeout())
                .toCompletableFuture()
            : new CompletableFuture<>();
    return respond(
        journal
            .failFastOnLoss(listing)
            .thenApply(
                l ->
                    ApiJson.response(
                        StatusCodes.OK,
                        new Views.CatalogView<>(
                            l.teams().stream().map(TeamViews::team).toList()))));
  }

  private <R> CompletionStage<R> ask(
      EntityRef<Catalog.Command> catalog,
      Class<R> replyType,
      Function<ActorRef<StatusReply<R>>, Catalog.Command> message) {
    return ask(catalog, replyType, message, settings.askTimeout());
  }
}

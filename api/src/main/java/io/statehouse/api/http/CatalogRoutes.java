package io.statehouse.api.http;

import io.statehouse.api.dto.Definitions;
import io.statehouse.api.dto.Requests.AgentDefinition;
import io.statehouse.api.dto.Requests.ToolDefinition;
import io.statehouse.api.dto.Views;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.StatehouseRuntime;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.Catalog;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.journal.JournalHealth;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.pattern.StatusReply;

/**
 * {@code /v1/tools} and {@code /v1/agents}: register (PUT, JSON or YAML), read, list. A PUT answers
 * 201 when it created the definition and 200 when it changed or confirmed it; the body carries the
 * version sessions will pin.
 */
final class CatalogRoutes extends RouteSupport {
  private final StatehouseRuntime runtime;
  private final Definitions definitions;

  CatalogRoutes(
      HttpSettings settings,
      ApiKeys keys,
      JournalHealth journal,
      StatehouseRuntime runtime,
      Definitions definitions) {
    super(settings, keys, journal);
    this.runtime = runtime;
    this.definitions = definitions;
  }

  Route routes(Principal p) {
    return concat(
        pathPrefix(
            "tools",
            () ->
                concat(
                    pathEnd(() -> get(() -> listTools(p))),
                    path(
                        PathMatchers.segment(),
                        name ->
                            concat(
                                put(
                                    () ->
                                        body(ToolDefinition.class, true, d -> putTool(p, name, d))),
                                get(() -> getTool(p, name)))))),
        pathPrefix(
            "agents",
            () ->
                concat(
                    pathEnd(() -> get(() -> listAgents(p))),
                    path(
                        PathMatchers.segment(),
                        name ->
                            concat(
                                put(
                                    () ->
                                        body(
                                            AgentDefinition.class,
                                            true,
                                            d -> putAgent(p, name, d))),
                                get(() -> getAgent(p, name)))))));
  }

  private Route putTool(Principal p, String name, ToolDefinition d) {
    Access.require(p, "defining tools", Access.DEFINE);
    ToolSpec spec = definitions.tool(p.tenant(), name, d);
    return respond(
        ask(
                catalog(p),
                Catalog.ToolRegistration.class,
                r -> new Catalog.PutTool(spec, p.actor(), r))
            .thenApply(
                reg -> registered(reg.changed(), reg.spec().version(), Views.tool(reg.spec()))));
  }

  private Route putAgent(Principal p, String name, AgentDefinition d) {
    Access.require(p, "defining agents", Access.DEFINE);
    AgentSpec spec = definitions.agent(p.tenant(), name, d);
    return respond(
        ask(
                catalog(p),
                Catalog.AgentRegistration.class,
                r -> new Catalog.PutAgent(spec, p.actor(), r))
            .thenApply(
                reg -> registered(reg.changed(), reg.spec().version(), Views.agent(reg.spec()))));
  }

  /** 201 when the definition was created just now, 200 when it changed or was already current. */
  private static HttpResponse registered(boolean changed, int version, Object view) {
    return ApiJson.response(changed && version == 1 ? StatusCodes.CREATED : StatusCodes.OK, view);
  }

  private Route getTool(Principal p, String name) {
    return respond(
        ask(catalog(p), ToolSpec.class, r -> new Catalog.GetTool(name, r))
            .thenApply(t -> ApiJson.response(StatusCodes.OK, Views.tool(t))));
  }

  private Route getAgent(Principal p, String name) {
    return respond(
        ask(catalog(p), AgentSpec.class, r -> new Catalog.GetAgent(name, r))
            .thenApply(a -> ApiJson.response(StatusCodes.OK, Views.agent(a))));
  }

  private Route listTools(Principal p) {
    return list(p, l -> l.tools().stream().map(Views::tool).toList());
  }

  private Route listAgents(Principal p) {
    return list(p, l -> l.agents().stream().map(Views::agent).toList());
  }

  private Route list(Principal p, Function<Catalog.CatalogListing, List<?>> items) {
    return listing(catalog(p), Catalog.ListAll::new, items);
  }

  private EntityRef<Catalog.Command> catalog(Principal p) {
    return runtime.catalog(p.tenant());
  }

  private <R> CompletionStage<R> ask(
      EntityRef<Catalog.Command> catalog,
      Class<R> replyType,
      Function<ActorRef<StatusReply<R>>, Catalog.Command> message) {
    return ask(catalog, replyType, message, settings.askTimeout());
  }
}

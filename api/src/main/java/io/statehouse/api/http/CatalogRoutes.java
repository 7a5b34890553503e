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
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /v1/tools} and {@code /v1/agents}: register (PUT, JSON or YAML), read, list. A PUT answers
 * 201 when it created the definition and 200 when it changed or confirmed it; the body carries the
 * version sessions will pin.
 */
final class CatalogRoutes extends RouteSupport {
  private final StatehouseRuntime runtime;
  private final Definitions definitions;

  CatalogRoutes(
      HttpSettings settings, ApiKeys keys, StatehouseRuntime runtime, Definitions definitions) {
    super(settings, keys);
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
    ToolSpec spec = definitions.tool(name, d);
    return respond(
        ask(
                runtime.catalog(p.tenant()),
                Catalog.ToolRegistration.class,
                r -> new Catalog.PutTool(spec, p.actor(), r),
                settings.askTimeout())
            .thenApply(
                reg ->
                    ApiJson.response(
                        reg.changed() && reg.spec().version() == 1
                            ? StatusCodes.CREATED
                            : StatusCodes.OK,
                        Views.tool(reg.spec()))));
  }

  private Route putAgent(Principal p, String name, AgentDefinition d) {
    AgentSpec spec = definitions.agent(name, d);
    return respond(
        ask(
                runtime.catalog(p.tenant()),
                Catalog.AgentRegistration.class,
                r -> new Catalog.PutAgent(spec, p.actor(), r),
                settings.askTimeout())
            .thenApply(
                reg ->
                    ApiJson.response(
                        reg.changed() && reg.spec().version() == 1
                            ? StatusCodes.CREATED
                            : StatusCodes.OK,
                        Views.agent(reg.spec()))));
  }

  private Route getTool(Principal p, String name) {
    return respond(
        ask(
                runtime.catalog(p.tenant()),
                ToolSpec.class,
                r -> new Catalog.GetTool(name, r),
                settings.askTimeout())
            .thenApply(t -> ApiJson.response(StatusCodes.OK, Views.tool(t))));
  }

  private Route getAgent(Principal p, String name) {
    return respond(
        ask(
                runtime.catalog(p.tenant()),
                AgentSpec.class,
                r -> new Catalog.GetAgent(name, r),
                settings.askTimeout())
            .thenApply(a -> ApiJson.response(StatusCodes.OK, Views.agent(a))));
  }

  private Route listTools(Principal p) {
    return respond(
        runtime
            .catalog(p.tenant())
            .<Catalog.CatalogListing>ask(Catalog.ListAll::new, settings.askTimeout())
            .thenApply(
                l ->
                    ApiJson.response(
                        StatusCodes.OK,
                        new Views.CatalogView<>(l.tools().stream().map(Views::tool).toList()))));
  }

  private Route listAgents(Principal p) {
    return respond(
        runtime
            .catalog(p.tenant())
            .<Catalog.CatalogListing>ask(Catalog.ListAll::new, settings.askTimeout())
            .thenApply(
                l ->
                    ApiJson.response(
                        StatusCodes.OK,
                        new Views.CatalogView<>(l.agents().stream().map(Views::agent).toList()))));
  }
}

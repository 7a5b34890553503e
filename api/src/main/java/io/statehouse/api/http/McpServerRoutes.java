package io.statehouse.api.http;

import io.statehouse.api.dto.McpServerDefinitions;
import io.statehouse.api.dto.Requests.McpServerDefinition;
import io.statehouse.api.dto.Views;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.StatehouseRuntime;
import io.statehouse.runtime.catalog.Catalog;
import io.statehouse.runtime.catalog.McpServerSpec;
import io.statehouse.runtime.catalog.McpTool;
import io.statehouse.runtime.tool.mcp.McpClients;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
 * {@code /v1/mcp-servers}: register an MCP server (PUT, JSON or YAML), read, list, remove, and list
 * the tools it offers now. A PUT connects to the server and lists its tools (bounded by {@code
 * statehouse.mcp.discovery-timeout}) before anything is stored: the registration holds the tools
 * agents may then name. 201 when created, 200 when changed or confirmed; 502 {@code
 * mcp_unreachable} when the server could not be reached or listed.
 */
final class McpServerRoutes extends RouteSupport {
  private final StatehouseRuntime runtime;
  private final McpServerDefinitions definitions;
  private final McpClients mcp;

  McpServerRoutes(
      RouteSupport base,
      StatehouseRuntime runtime,
      McpServerDefinitions definitions,
      McpClients mcp) {
    super(base);
    this.runtime = runtime;
    this.definitions = definitions;
    this.mcp = mcp;
  }

  Route routes(Principal p) {
    return pathPrefix(
        "mcp-servers",
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
                                                    McpServerDefinition.class,
                                                    true,
                                                    d -> put(p, name, d))),
                                        get(() -> get(p, name)),
                                        delete(() -> remove(p, name)))),
                            path("tools", () -> get(() -> tools(p, name)))))));
  }

  private Route put(Principal p, String name, McpServerDefinition d) {
    Access.require(p, "registering MCP servers", Access.DEFINE);
    McpServerSpec spec = definitions.server(p.tenant(), name, d);
    CompletionStage<HttpResponse> answer =
        mcp.discover(p.tenant(), spec)
            .exceptionallyCompose(e -> CompletableFuture.failedFuture(unreachable(e)))
            .thenCompose(
                found ->
                    ask(
                        catalog(p),
                        Catalog.McpServerRegistration.class,
                        r ->
                            new Catalog.PutMcpServer(
                                spec.withTools(found.tools(), found.truncated()), p.actor(), r)))
            .thenApply(
                reg ->
                    ApiJson.response(
                        reg.changed() && reg.spec().version() == 1
                            ? StatusCodes.CREATED
                            : StatusCodes.OK,
                        Views.mcpServer(reg.spec())));
    return respond(answer);
  }

  private Route get(Principal p, String name) {
    return respond(
        server(p, name).thenApply(s -> ApiJson.response(StatusCodes.OK, Views.mcpServer(s))));
  }

  private Route list(Principal p) {
    return listing(
        catalog(p),
        Catalog.ListMcpServers::new,
        l -> l.servers().stream().map(Views::mcpServer).toList());
  }

  private Route remove(Principal p, String name) {
    Access.require(p, "removing MCP servers", Access.DEFINE);
    return respond(
        ask(catalog(p), Integer.class, r -> new Catalog.RemoveMcpServer(name, p.actor(), r))
            .thenApply(version -> HttpResponse.create().withStatus(StatusCodes.NO_CONTENT)));
  }

  /**
   * What the server lists now, on the client its sessions use (started if needed). A tool is usable
   * when agents may name it: usable as listed, and part of the registration (a tool the server
   * added since is not, until the server is registered again).
   */
  private Route tools(Principal p, String name) {
    return respond(
        server(p, name)
            .thenCompose(
                s ->
                    mcp.list(p.tenant(), s)
                        .exceptionallyCompose(e -> CompletableFuture.failedFuture(unreachable(e)))
                        .thenApply(
                            now ->
                                ApiJson.response(
                                    StatusCodes.OK,
                                    new Views.McpToolListView(
                                        s.name(),
                                        s.version(),
                                        now.truncated(),
                                        now.tools().stream()
                                            .map(t -> Views.mcpTool(t, notRegistered(s, t)))
                                            .toList())))));
  }

  private static String notRegistered(McpServerSpec registered, McpTool live) {
    Optional<McpTool> pinned = registered.tool(live.modelName());
    if (pinned.isEmpty()) {
      return "not listed when the server was registered (version "
          + registered.version()
          + "): register it again (PUT) to use it";
    }
    return pinned.get().usable() ? null : pinned.get().unusable();
  }

  private static ApiError unreachable(Throwable error) {
    Throwable e = unwrap(error);
    if (e instanceof McpClients.Unavailable u) {
      if (u.code().equals("egress_denied")) {
        return ApiError.badRequest("http.url: " + u.getMessage());
      }
      if (u.code().equals("mcp_busy")) {
        return new ApiError(StatusCodes.SERVICE_UNAVAILABLE, "mcp_busy", u.getMessage());
      }
      return new ApiError(StatusCodes.BAD_GATEWAY, "mcp_unreachable", u.getMessage());
    }
    return new ApiError(
        StatusCodes.BAD_GATEWAY, "mcp_unreachable", "the MCP server could not be listed");
  }

  private CompletionStage<McpServerSpec> server(Principal p, String name) {
    return ask(catalog(p), McpServerSpec.class, r -> new Catalog.GetMcpServer(name, r));
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

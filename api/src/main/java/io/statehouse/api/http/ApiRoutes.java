package io.statehouse.api.http;

import io.statehouse.api.dto.Definitions;
import io.statehouse.api.dto.McpServerDefinitions;
import io.statehouse.api.dto.TeamDefinitions;
import io.statehouse.api.ops.ClusterOverview;
import io.statehouse.api.ops.KillSwitch;
import io.statehouse.api.ops.OpsOverview;
import io.statehouse.api.stream.ClientFeed;
import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.StatehouseRuntime;
import io.statehouse.runtime.approval.ApprovalQueue;
import io.statehouse.runtime.audit.HeadSigner;
import io.statehouse.runtime.journal.JournalHealth;
import io.statehouse.runtime.session.SessionDirectory;
import io.statehouse.runtime.session.SessionExistence;
import io.statehouse.runtime.tool.mcp.McpClients;
import io.statehouse.runtime.usage.UsageLedger;
import io.statehouse.runtime.workspace.TeamRuns;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.http.scaladsl.model.IllegalRequestException;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole HTTP surface: {@code /health/*} and {@code /.well-known/jwks.json} without a key,
 * {@code /v1/*} with an API key or JWT, and every error (ours, the routing DSL's rejections,
 * unexpected exceptions) as {@code {"error": {code, message}}}.
 */
public final class ApiRoutes extends RouteSupport {
  private static final Logger log = LoggerFactory.getLogger(ApiRoutes.class);

  private final CatalogRoutes catalog;
  private final SessionRoutes sessions;
  private final Supplier<CompletionStage<Boolean>> ready;
  private final Route extra;
  // built once: its files are read when it is made, and the route below runs for every request
  private final Route dashboard = new DashboardRoutes().route();
  private final JwksRoute jwks;
  private final ApprovalRoutes approvals;
  private final UsageRoutes usage;
  private final McpServerRoutes mcpServers;
  private final TeamRoutes teams;
  private final WorkspaceRoutes workspaces;
  private final OpsRoutes ops;
  // live streams opened with a stream ticket instead of a credential header
  private final StreamRoutes ticketed;

  public ApiRoutes(
      HttpSettings settings,
      ApiKeys keys,
      JwtAuthenticator jwts,
      JwksRoute jwks,
      StatehouseRuntime runtime,
      Definitions definitions,
      McpClients mcp,
      SessionDirectory directory,
      CurrentEventsByPersistenceIdQuery events,
      ActorSystem<?> system,
      ApprovalQueue approvalQueue,
      UsageLedger usageLedger,
      SessionExistence existence,
      HeadSigner headSigner,
      ClientFeed streams,
      StreamTickets streamTickets,
      Supplier<CompletionStage<Boolean>> ready,
      Route extra) {
    super(settings, Authenticator.byTokenShape(keys, jwts), JournalHealth.get(system));
    this.jwks = jwks;
    // route() authenticates (keys and JWTs) before any sub-route; the sub-routes' constructors
    // still take the API keys, which they do not use
    this.catalog = new CatalogRoutes(settings, keys, journal, runtime, definitions);
    this.sessions =
        new SessionRoutes(
            settings,
            keys,
            journal,
            runtime,
            directory,
            events,
            system,
            existence,
            headSigner,
            base -> new StreamRoutes(base, runtime, streams, streamTickets, system));
    this.ticketed = new StreamRoutes(this, runtime, streams, streamTickets, system);
    this.approvals = new ApprovalRoutes(this, approvalQueue);
    this.usage = new UsageRoutes(this, usageLedger, Clock.systemUTC());
    this.mcpServers =
        new McpServerRoutes(
            this, runtime, new McpServerDefinitions(definitions, mcp.settings()), mcp);
    this.teams =
        new TeamRoutes(
            this,
            runtime::catalog,
            TeamDefinitions.fromConfig(system.settings().config()),
            new TeamRuns(runtime));
    this.workspaces = new WorkspaceRoutes(this, runtime, existence, ticketed);
    com.typesafe.config.Config ops = system.settings().config().getConfig("statehouse.ops");
    ClusterOverview cluster = new ClusterOverview(system, ops.getDuration("stats-timeout"));
    this.ops =
        new OpsRoutes(
            this,
            cluster,
            new OpsOverview(
                system,
                cluster,
                directory,
                approvalQueue,
                settings.askTimeout(),
                ops.getInt("count-cap"),
                ops.getDuration("count-ttl"),
                Clock.systemUTC()),
            new KillSwitch(
                runtime,
                directory,
                system,
                settings.askTimeout(),
                ops.getInt("kill-switch.max-sessions"),
                ops.getInt("kill-switch.parallelism")),
            streamTickets,
            ops.getDuration("stream-interval"),
            streams.settings().heartbeat());
    this.ready = ready;
    this.extra = extra;
  }

  public Route route() {
    return handleExceptions(
        exceptions(),
        () ->
            handleRejections(
                rejections(),
                () ->
                    concat(
                        pathPrefix("health", this::health),
                        jwks.route(),
                        // the operators' page: static files, no data, no key
                        dashboard,
                        pathPrefix(
                            "v1",
                            () ->
                                concat(
                                    ticketed.ticketRoutes(),
                                    ops.ticketRoutes(),
                                    authenticated(
                                        p ->
                                            concat(
                                                catalog.routes(p),
                                                sessions.routes(p),
                                                approvals.routes(p),
                                                usage.routes(p),
                                                mcpServers.routes(p),
                                                teams.routes(p),
                                                workspaces.routes(p),
                                                ops.routes(p))))),
                        extra)));
  }

  private Route health() {
    return concat(
        path(
            "alive",
            () ->
                get(
                    () ->
                        complete(
                            ApiJson.response(
                                StatusCodes.OK, java.util.Map.of("status", "alive"))))),
        path(
            "ready",
            () ->
                get(
                    () ->
                        completeWithFuture(
                            ready
                                .get()
                                .exceptionally(e -> false)
                                .thenApply(
                                    ok ->
                                        ok
                                            ? ApiJson.response(
                                                StatusCodes.OK, java.util.Map.of("status", "ready"))
                                            : ApiJson.error(
                                                new ApiError(
                                                    StatusCodes.SERVICE_UNAVAILABLE,
                                                    "not_ready",
                                                    "the node is not a cluster member yet or cannot reach Cassandra")))))));
  }

  private ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder().matchAny(e -> complete(errorResponse(e))).build();
  }

  static HttpResponse errorResponse(Throwable error) {
    Throwable e = unwrap(error);
    if (e instanceof ApiError api) {
      return ApiJson.error(api);
    }
    if (e instanceof Rejection rejection) {
      return ApiJson.error(ApiError.from(rejection));
    }
    if (e instanceof EntityStreamSizeException size) {
      return ApiJson.error(tooLarge(size.limit()));
    }
    if (e instanceof IllegalRequestException bad) {
      // raised by the HTTP layer itself; a chunked body over the limit is reported as 400 there
      if (bad.info().summary().startsWith("Request too large")) {
        return ApiJson.error(
            new ApiError(
                StatusCodes.CONTENT_TOO_LARGE, "payload_too_large", bad.info().formatPretty()));
      }
      return ApiJson.error(
          new ApiError(bad.status(), "invalid_request", bad.info().formatPretty()));
    }
    log.error("unexpected error answering a request", e);
    return ApiJson.error(
        new ApiError(
            StatusCodes.INTERNAL_SERVER_ERROR,
            "internal_error",
            "unexpected error; see the node's log"));
  }

  /** The DSL's own rejections (no route, wrong method, …) with their status, as JSON. */
  private static RejectionHandler rejections() {
    return RejectionHandler.defaultHandler()
        .mapRejectionResponse(
            response -> {
              if (response
                  .entity()
                  .getContentType()
                  .mediaType()
                  .equals(MediaTypes.APPLICATION_JSON)) {
                return response;
              }
              String text =
                  response.entity() instanceof HttpEntity.Strict strict
                      ? strict.getData().decodeString(StandardCharsets.UTF_8)
                      : response.status().reason();
              String code =
                  response.status().reason().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
              HttpResponse json = ApiJson.error(new ApiError(response.status(), code, text));
              return json.addHeaders(response.getHeaders());
            });
  }
}

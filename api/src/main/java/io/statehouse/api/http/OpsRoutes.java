package io.statehouse.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.statehouse.api.ops.ClusterOverview;
import io.statehouse.api.ops.KillSwitch;
import io.statehouse.api.ops.OpsOverview;
import io.statehouse.runtime.EntityIds;
import io.statehouse.runtime.Principal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * {@code /v1/ops}: what operators see and do; every route needs the {@code operator} role.
 *
 * <ul>
 *   <li>{@code GET /v1/ops/cluster}: the members with status, roles and reachability, and the
 *       shards and live entities each hosts: the infrastructure every tenant shares (addresses and
 *       counts), never another tenant's ids.
 *   <li>{@code GET /v1/ops/overview}: that, and the operator's tenant's sessions by status, pending
 *       approvals and last hour of activity ({@link OpsOverview}).
 *   <li>{@code GET /v1/ops/stream}: the overview as Server-Sent Events, one at once and then every
 *       {@code statehouse.ops.stream-interval}; with a credential header or a ticket from {@code
 *       POST /v1/ops/stream-tickets} (browsers cannot send headers on EventSource).
 *   <li>{@code POST /v1/ops/kill-switch}: cancels every running turn of the operator's tenant, or
 *       of one of its agents.
 * </ul>
 */
final class OpsRoutes extends RouteSupport {
  /** {@code POST /v1/ops/kill-switch}: {@code {"agent": name}}, or {@code {}} for every agent. */
  record KillSwitchRequest(String agent) {}

  private final ClusterOverview cluster;
  private final OpsOverview overview;
  private final KillSwitch killSwitch;
  private final StreamTickets tickets;
  private final Duration streamInterval;
  private final Duration heartbeat;

  OpsRoutes(
      RouteSupport base,
      ClusterOverview cluster,
      OpsOverview overview,
      KillSwitch killSwitch,
      StreamTickets tickets,
      Duration streamInterval,
      Duration heartbeat) {
    super(base);
    this.cluster = cluster;
    this.overview = overview;
    this.killSwitch = killSwitch;
    this.tickets = tickets;
    this.streamInterval = streamInterval;
    this.heartbeat = heartbeat;
  }

  Route routes(Principal p) {
    return pathPrefix(
        "ops",
        () ->
            concat(
                path("cluster", () -> get(() -> clusterView(p))),
                path("overview", () -> get(() -> overview(p))),
                path("stream", () -> get(() -> stream(p))),
                path("stream-tickets", () -> post(() -> ignoredBody(() -> issueTicket(p)))),
                path(
                    "kill-switch",
                    () ->
                        post(
                            () ->
                                body(KillSwitchRequest.class, false, r -> pullKillSwitch(p, r))))));
  }

  /**
   * {@code GET /v1/ops/stream?ticket=…}: the ticket is the credential. It is spent only on this
   * path; a ticket on any other URL goes on to the credential header.
   */
  Route ticketRoutes() {
    return parameter(
        "ticket",
        ticket ->
            path(
                PathMatchers.segment("ops").slash("stream"),
                () -> get(() -> stream(redeemed(ticket)))));
  }

  private Principal redeemed(String ticket) {
    return StreamTickets.principalOrRefuse(
        tickets.redeem(ticket, StreamTickets.OPS), "POST /v1/ops/stream-tickets");
  }

  private Route clusterView(Principal p) {
    Access.require(p, "reading the cluster's state", Access.OPERATE);
    return respond(cluster.read().thenApply(view -> ApiJson.response(StatusCodes.OK, view)));
  }

  private Route overview(Principal p) {
    Access.require(p, "reading the operators' overview", Access.OPERATE);
    return respond(overview.read(p.tenant()).thenApply(o -> ApiJson.response(StatusCodes.OK, o)));
  }

  private Route issueTicket(Principal p) {
    Access.require(p, "following the operators' overview", Access.OPERATE);
    StreamTickets.Ticket t = tickets.issue(p, StreamTickets.OPS);
    return complete(
        ApiJson.response(
            StatusCodes.CREATED,
            Map.of(
                "ticket",
                t.token(),
                "expiresAt",
                t.expiresAt().toString(),
                "stream",
                "/v1/ops/stream?ticket=" + t.token())));
  }

  /** The overview now and every interval after; an SSE comment when nothing else went out. */
  private Route stream(Principal p) {
    Access.require(p, "following the operators' overview", Access.OPERATE);
    Source<ByteString, NotUsed> frames =
        Source.tick(Duration.ZERO, streamInterval, NotUsed.getInstance())
            .mapMaterializedValue(c -> NotUsed.getInstance())
            .mapAsync(1, tick -> overview.read(p.tenant()))
            .map(OpsRoutes::frame)
            .keepAlive(heartbeat, () -> ByteString.fromString(":\n\n"));
    return complete(eventStream(frames));
  }

  private static ByteString frame(OpsOverview.Overview o) {
    try {
      return ByteString.fromString(
          "event: overview\ndata: " + ApiJson.WRITER.writeValueAsString(o) + "\n\n");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an overview that does not serialize", e);
    }
  }

  private Route pullKillSwitch(Principal p, KillSwitchRequest r) {
    Access.require(p, "stopping every running turn", Access.OPERATE);
    Optional<String> agent = Optional.ofNullable(r.agent());
    if (agent.isPresent() && !EntityIds.isWellFormed(agent.get())) {
      throw ApiError.badRequest("agent must be an agent's name, or absent for every agent");
    }
    return respond(
        killSwitch.pull(p, agent).thenApply(result -> ApiJson.response(StatusCodes.OK, result)));
  }
}

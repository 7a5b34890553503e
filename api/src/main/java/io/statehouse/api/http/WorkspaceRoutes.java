package io.statehouse.api.http;

import io.statehouse.api.dto.WorkspaceViews;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.StatehouseRuntime;
import io.statehouse.runtime.session.AgentSession;
import io.statehouse.runtime.session.SessionExistence;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.session.SessionState;
import io.statehouse.runtime.session.SessionStatus;
import io.statehouse.runtime.workspace.Seat;
import io.statehouse.runtime.workspace.Workspace;
import io.statehouse.runtime.workspace.WorkspaceId;
import io.statehouse.runtime.workspace.WorkspaceState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /v1/workspaces}: a team run's workspace, read, streamed and cancelled. Requests go to the
 * workspace entity {@code <caller's tenant>:<id>}, so another tenant's workspace is not found; an
 * id nobody started costs one journal read and never reaches sharding. Reading takes what reading a
 * session takes (its owner, or an operator, approver or auditor of the tenant); cancelling what
 * using one takes.
 */
final class WorkspaceRoutes extends RouteSupport {
  private final StatehouseRuntime runtime;
  private final SessionExistence existence;
  private final StreamRoutes streams;

  WorkspaceRoutes(
      RouteSupport base,
      StatehouseRuntime runtime,
      SessionExistence existence,
      StreamRoutes streams) {
    super(base);
    this.runtime = runtime;
    this.existence = existence;
    this.streams = streams;
  }

  Route routes(Principal p) {
    return pathPrefix(
        "workspaces",
        () ->
            pathPrefix(
                PathMatchers.segment(),
                rawId -> {
                  if (!WorkspaceId.isWellFormed(rawId)) {
                    throw ApiError.notFound("workspace_not_found", "no workspace " + rawId);
                  }
                  WorkspaceId id = new WorkspaceId(p.tenant(), rawId);
                  return whenExists(
                      existence.existsEntity(id.persistenceId().id()),
                      "workspace",
                      "workspace_not_found",
                      rawId,
                      () -> workspaceRoutes(p, id));
                }));
  }

  private Route workspaceRoutes(Principal p, WorkspaceId id) {
    return concat(
        pathEnd(() -> get(() -> read(p, id))),
        path(
            PathMatchers.segment("artifacts").slash(PathMatchers.segment()),
            name -> get(() -> artifact(p, id, name))),
        path("cancel", () -> post(() -> ignoredBody(() -> cancel(p, id)))),
        path("stream", () -> get(() -> streams.resumeAfter(after -> stream(p, id, after)))));
  }

  /**
   * {@code GET /v1/workspaces/{id}/stream}: the workspace's events as Server-Sent Events, as a
   * session stream gives a session's, ending after the run's end. Readable by whoever may read the
   * workspace.
   */
  private Route stream(Principal p, WorkspaceId id, long after) {
    return streams.sse(
        state(id)
            .thenApply(
                s -> {
                  Access.requireRead(p, s.owner(), id.id());
                  return !s.running() && s.membersClosed() && after >= s.events();
                }),
        streams.sources().workspace(id),
        after);
  }

  private CompletionStage<WorkspaceState> state(WorkspaceId id) {
    return ask(
        runtime.workspace(id), WorkspaceState.class, Workspace.Get::new, settings.askTimeout());
  }

  private Route read(Principal p, WorkspaceId id) {
    return respond(
        state(id)
            .thenCompose(
                s -> {
                  Access.requireRead(p, s.owner(), id.id());
                  return memberStatuses(id, s)
                      .thenApply(
                          statuses ->
                              ApiJson.response(
                                  StatusCodes.OK, WorkspaceViews.workspace(s, statuses)));
                }));
  }

  /**
   * The members' session statuses while the run goes on (whether one waits for a human); an ended
   * run's members are closed and not woken to say so. A member that does not answer in time is left
   * out: the view shows what the workspace knows of it.
   */
  private CompletionStage<Map<String, SessionStatus>> memberStatuses(
      WorkspaceId id, WorkspaceState s) {
    if (!s.running()) {
      return CompletableFuture.completedFuture(Map.of());
    }
    List<CompletableFuture<Map.Entry<String, SessionStatus>>> asks = new ArrayList<>();
    for (Seat seat : s.seats()) {
      asks.add(
          ask(
                  runtime.session(new SessionId(id.tenant(), seat.sessionId())),
                  SessionState.class,
                  AgentSession.Get::new,
                  settings.askTimeout())
              .thenApply(st -> Map.entry(seat.sessionId(), st.status()))
              .exceptionally(e -> null)
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              Map<String, SessionStatus> out = new HashMap<>();
              for (var a : asks) {
                var entry = a.join();
                if (entry != null) {
                  out.put(entry.getKey(), entry.getValue());
                }
              }
              return out;
            });
  }

  private Route artifact(Principal p, WorkspaceId id, String name) {
    return respond(
        state(id)
            .thenApply(
                s -> {
                  Access.requireRead(p, s.owner(), id.id());
                  WorkspaceState.Artifact a = s.artifacts().get(name);
                  if (a == null) {
                    throw ApiError.notFound(
                        "artifact_not_found", "workspace " + id.id() + " has no artifact " + name);
                  }
                  return ApiJson.response(
                      StatusCodes.OK,
                      new WorkspaceViews.ArtifactContentView(
                          a.name(), a.version(), a.contentType(), a.role(), a.content()));
                }));
  }

  /** Stops the run and every member: 200 with the workspace (status {@code cancelled}). */
  private Route cancel(Principal p, WorkspaceId id) {
    Access.require(p, "cancelling a team run", Access.USE_SESSIONS);
    return respond(
        ask(
                runtime.workspace(id),
                WorkspaceState.class,
                r -> new Workspace.CancelRun(p, r),
                settings.askTimeout())
            .thenApply(
                s -> ApiJson.response(StatusCodes.OK, WorkspaceViews.workspace(s, Map.of()))));
  }
}

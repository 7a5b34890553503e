package io.statehouse.api.http;

import io.statehouse.api.dto.Requests.CreateSession;
import io.statehouse.api.dto.Requests.Decision;
import io.statehouse.api.dto.Requests.SendMessage;
import io.statehouse.api.dto.Views;
import io.statehouse.runtime.Asks;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.StatehouseRuntime;
import io.statehouse.runtime.audit.HeadSigner;
import io.statehouse.runtime.catalog.Catalog;
import io.statehouse.runtime.journal.JournalHealth;
import io.statehouse.runtime.session.AgentSession;
import io.statehouse.runtime.session.SessionDirectory;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionExistence;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.session.SessionState;
import io.statehouse.runtime.session.SessionStatus;
import io.statehouse.runtime.session.TurnStatus;
import io.statehouse.runtime.telemetry.TraceParent;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * {@code /v1/sessions}: open, list, read, send messages, read the event trail, close. Requests are
 * routed to the session entity {@code <caller's tenant>:<id>}, so another tenant's session is not
 * found rather than forbidden.
 */
final class SessionRoutes extends RouteSupport {
  private static final int MAX_METADATA_ENTRIES = 50;
  private static final int MAX_IDEMPOTENCY_KEY = 255;

  private final StatehouseRuntime runtime;
  private final SessionDirectory directory;
  private final CurrentEventsByPersistenceIdQuery events;
  private final ActorSystem<?> system;
  private final SessionExistence existence;
  private final AuditRoutes audit;
  private final StreamRoutes streams;

  SessionRoutes(
      HttpSettings settings,
      ApiKeys keys,
      JournalHealth journal,
      StatehouseRuntime runtime,
      SessionDirectory directory,
      CurrentEventsByPersistenceIdQuery events,
      ActorSystem<?> system,
      SessionExistence existence,
      HeadSigner headSigner,
      java.util.function.Function<RouteSupport, StreamRoutes> streams) {
    super(settings, keys, journal);
    this.runtime = runtime;
    this.directory = directory;
    this.events = events;
    this.system = system;
    this.existence = existence;
    this.audit = new AuditRoutes(this, events, system, headSigner, Clock.systemUTC());
    this.streams = streams.apply(this);
  }

  Route routes(Principal p) {
    return pathPrefix(
        "sessions",
        () ->
            concat(
                pathEnd(
                    () ->
                        concat(
                            post(() -> body(CreateSession.class, false, req -> open(p, req))),
                            get(
                                () ->
                                    parameterOptional(
                                        "status",
                                        status ->
                                            parameterOptional(
                                                "limit",
                                                limit ->
                                                    parameterOptional(
                                                        "after",
                                                        after ->
                                                            list(p, status, limit, after))))))),
                pathPrefix(
                    PathMatchers.segment(),
                    rawId -> {
                      SessionId id = sessionId(p, rawId);
                      return whenExists(
                          existence.exists(id),
                          "session",
                          "session_not_found",
                          rawId,
                          () -> sessionRoutes(p, id));
                    })));
  }

  private Route sessionRoutes(Principal p, SessionId id) {
    return concat(
        pathEnd(() -> concat(get(() -> read(p, id)), delete(() -> close(p, id)))),
        path(
            "messages",
            () ->
                post(
                    () ->
                        optionalHeaderValueByName(
                            "Idempotency-Key",
                            header ->
                                parameterOptional(
                                    "wait",
                                    wait ->
                                        traceContext(
                                            trace ->
                                                body(
                                                    SendMessage.class,
                                                    false,
                                                    req ->
                                                        send(p, id, req, header, wait, trace))))))),
        path(
            PathMatchers.segment("approvals").slash(PathMatchers.segment()),
            approvalId ->
                post(
                    () ->
                        parameterOptional(
                            "wait",
                            wait ->
                                body(
                                    Decision.class,
                                    false,
                                    req -> decide(p, id, approvalId, req, wait))))),
        path(
            "events",
            () ->
                get(
                    () ->
                        parameterOptional(
                            "after",
                            after ->
                                parameterOptional(
                                    "limit", limit -> eventTrail(p, id, after, limit))))),
        path("cancel", () -> post(() -> ignoredBody(() -> cancel(p, id)))),
        path("passivate", () -> post(() -> ignoredBody(() -> passivate(p, id)))),
        streams.routes(p, id),
        audit.routes(p, id));
  }

  private static SessionId sessionId(Principal p, String raw) {
    if (!SessionId.isWellFormed(raw)) {
      throw ApiError.notFound("session_not_found", "no session " + raw);
    }
    return new SessionId(p.tenant(), raw);
  }

  private Route open(Principal p, CreateSession req) {
    Access.require(p, "opening a session", Access.USE_SESSIONS);
    if (req.agent() == null || req.agent().isBlank()) {
      throw ApiError.badRequest("agent is required: the name of a registered agent");
    }
    Map<String, String> metadata = req.metadata() == null ? Map.of() : req.metadata();
    if (metadata.size() > MAX_METADATA_ENTRIES) {
      throw ApiError.badRequest("metadata may have at most " + MAX_METADATA_ENTRIES + " entries");
    }
    metadata.forEach(
        (k, v) -> {
          if (k.length() > 64 || v == null || v.length() > 1024) {
            throw ApiError.badRequest(
                "metadata keys are at most 64 characters and values at most 1024 (not null)");
          }
        });
    SessionId id = SessionId.random(p.tenant());
    CompletionStage<HttpResponse> created =
        ask(
                runtime.catalog(p.tenant()),
                Catalog.ResolvedAgent.class,
                r -> new Catalog.Resolve(req.agent(), r),
                settings.askTimeout())
            .exceptionallyCompose(
                e ->
                    CompletableFuture.failedFuture(
                        unwrap(e) instanceof ApiError a && a.code().equals("agent_not_found")
                            ? new ApiError(
                                StatusCodes.BAD_REQUEST,
                                "unknown_agent",
                                "no agent named '" + req.agent() + "' is registered")
                            : unwrap(e)))
            .thenCompose(
                resolved ->
                    ask(
                        runtime.session(id),
                        SessionState.class,
                        r ->
                            new AgentSession.Create(
                                p, resolved.agent(), resolved.tools(), metadata, r),
                        settings.askTimeout()))
            .thenApply(
                state -> {
                  // remembered once it exists, so the caller's next request costs no journal read
                  existence.known(id);
                  return ApiJson.response(StatusCodes.CREATED, Views.created(state))
                      .addHeader(Location.create("/v1/sessions/" + id.id()));
                });
    return respond(created);
  }

  private Route list(
      Principal p, Optional<String> status, Optional<String> rawLimit, Optional<String> after) {
    Optional<SessionStatus> wanted =
        statusParam(status, SessionStatus.values(), SessionStatus::wire);
    int limit = intParam(rawLimit, "limit", 100, 1, 1000);
    return respond(
        directory
            .list(p.tenant(), wanted, limit, after)
            .thenApply(
                entries ->
                    ApiJson.response(
                        StatusCodes.OK,
                        new Views.SessionListView(
                            entries.stream().map(Views::summary).toList(),
                            nextAfter(entries, limit, SessionDirectory.Entry::sessionId)))));
  }

  private Route read(Principal p, SessionId id) {
    return respond(
        state(id)
            .thenApply(
                s -> {
                  Access.requireRead(p, s.owner(), id.id());
                  return ApiJson.response(StatusCodes.OK, Views.session(s));
                }));
  }

  private CompletionStage<SessionState> state(SessionId id) {
    return ask(
        runtime.session(id), SessionState.class, AgentSession.Get::new, settings.askTimeout());
  }

  /**
   * Decides a pending approval or unknown outcome, then waits for the turn like a message does: the
   * same result shape, 200 or 202.
   */
  private Route decide(
      Principal p, SessionId id, String approvalId, Decision req, Optional<String> rawWait) {
    if (req.decision() == null || req.decision().isBlank()) {
      throw ApiError.badRequest(
          "decision is required: approve or deny (an approval), retry or record (an unknown"
              + " outcome)");
    }
    if (req.reason() != null && req.reason().length() > 2000) {
      throw ApiError.badRequest("reason is at most 2000 characters");
    }
    if (req.output() != null && req.output().length() > settings.maxMessageChars()) {
      throw ApiError.badRequest(
          "output is longer than " + settings.maxMessageChars() + " characters");
    }
    Duration wait = waitParam(rawWait);
    return respond(
        ask(
                runtime.session(id),
                AgentSession.TurnAccepted.class,
                r ->
                    new AgentSession.Decide(
                        p,
                        approvalId,
                        req.decision(),
                        req.outcome(),
                        req.output(),
                        req.reason(),
                        r),
                settings.askTimeout())
            .thenCompose(accepted -> awaitTurn(id, accepted.turnId(), wait)));
  }

  private Duration waitParam(Optional<String> rawWait) {
    return Duration.ofSeconds(
        intParam(
            rawWait,
            "wait",
            (int) settings.defaultWait().toSeconds(),
            0,
            (int) settings.maxWait().toSeconds()));
  }

  /** Cancels the running turn: 200 with its result (status {@code cancelled}). */
  private Route cancel(Principal p, SessionId id) {
    Access.require(p, "cancelling a turn", Access.USE_SESSIONS);
    return respond(
        ask(
                runtime.session(id),
                AgentSession.TurnOutcome.class,
                r -> new AgentSession.Cancel(p, r),
                settings.askTimeout())
            .thenApply(o -> ApiJson.response(StatusCodes.OK, Views.turnResult(o))));
  }

  /** An operator unloads an idle session from memory: 202 {"status":"passivating"}. */
  private Route passivate(Principal p, SessionId id) {
    Access.require(p, "passivating a session", Access.OPERATE);
    return respond(
        ask(
                runtime.session(id),
                org.apache.pekko.Done.class,
                r -> new AgentSession.Unload(p, r),
                settings.askTimeout())
            .thenApply(
                done -> ApiJson.response(StatusCodes.ACCEPTED, Map.of("status", "passivating"))));
  }

  private Route close(Principal p, SessionId id) {
    return respond(
        ask(
                runtime.session(id),
                SessionState.class,
                r -> new AgentSession.Close(p, "closed by " + p.subject(), r),
                settings.askTimeout())
            .thenApply(s -> ApiJson.response(StatusCodes.OK, Views.session(s))));
  }

  /**
   * Starts a turn and waits up to {@code ?wait=} seconds for it: 200 with the result when it stops
   * running in time, 202 with its id otherwise. The turn goes on either way. Its span continues the
   * caller's {@code trace} context, if it sent one.
   */
  private Route send(
      Principal p,
      SessionId id,
      SendMessage req,
      Optional<String> header,
      Optional<String> rawWait,
      TraceParent trace) {
    requireText(req.content(), "content", "content is required and must not be blank");
    String key = req.idempotencyKey() != null ? req.idempotencyKey() : header.orElse(null);
    if (key != null && (key.isBlank() || key.length() > MAX_IDEMPOTENCY_KEY)) {
      throw ApiError.badRequest(
          "idempotencyKey must be 1 to " + MAX_IDEMPOTENCY_KEY + " characters");
    }
    Access.require(p, "sending messages", Access.USE_SESSIONS);
    Duration wait = waitParam(rawWait);
    CompletionStage<HttpResponse> result =
        askKeyed(
                runtime.session(id),
                AgentSession.TurnAccepted.class,
                r -> new AgentSession.SendMessage(p, req.content(), key, trace, r),
                key,
                system.scheduler())
            .thenCompose(
                accepted ->
                    accepted.queued()
                        // it waits for the turns before it: its id now, its result by wait or GET
                        ? CompletableFuture.completedFuture(
                            ApiJson.response(
                                StatusCodes.ACCEPTED,
                                new Views.RunningTurnView(
                                    accepted.turnId(), TurnStatus.QUEUED.wire())))
                        : awaitTurn(id, accepted.turnId(), wait));
    return respond(result);
  }

  private CompletionStage<HttpResponse> awaitTurn(SessionId id, String turnId, Duration wait) {
    HttpResponse running =
        ApiJson.response(
            StatusCodes.ACCEPTED, new Views.RunningTurnView(turnId, TurnStatus.RUNNING.wire()));
    if (wait.isZero()) {
      return CompletableFuture.completedFuture(running);
    }
    long deadline = System.nanoTime() + wait.toNanos();
    return journal
        .failFastOnLoss(
            Asks.askWithStatus(
                    runtime.session(id),
                    AgentSession.TurnOutcome.class,
                    r -> new AgentSession.AwaitTurn(turnId, r),
                    wait)
                .toCompletableFuture())
        .handle(
            (outcome, error) -> {
              if (error == null) {
                return CompletableFuture.completedFuture(
                    ApiJson.response(
                        outcome.status().goingOn() ? StatusCodes.ACCEPTED : StatusCodes.OK,
                        Views.turnResult(outcome)));
              }
              if (unwrap(error) instanceof TimeoutException) {
                return CompletableFuture.completedFuture(running);
              }
              if (unwrap(error) instanceof Rejection r && AgentSession.MOVING.equals(r.code())) {
                // the session's node is handing it over (a graceful leave): the turn goes on
                // in its next incarnation, which this ask reaches once sharding has placed it
                Duration left = Duration.ofNanos(deadline - System.nanoTime());
                return left.isNegative()
                    ? CompletableFuture.completedFuture(running)
                    : awaitTurn(id, turnId, left).toCompletableFuture();
              }
              throw new CompletionException(unwrap(error));
            })
        .thenCompose(r -> r);
  }

  /** The journal itself, read through Persistence Query: the audit trail of the session. */
  private Route eventTrail(
      Principal p, SessionId id, Optional<String> rawAfter, Optional<String> rawLimit) {
    long after;
    try {
      after = rawAfter.map(Long::parseLong).orElse(0L);
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("query parameter 'after' must be an event sequence number");
    }
    if (after < 0) {
      throw ApiError.badRequest("query parameter 'after' must not be negative");
    }
    int limit = intParam(rawLimit, "limit", 100, 1, 1000);
    CompletionStage<HttpResponse> page =
        state(id)
            .thenCompose(
                s -> {
                  Access.requireRead(p, s.owner(), id.id());
                  // up to the last event the session applied: a read past the journal's end makes
                  // the plugin look for a gap (and warn). A broken session shows all it holds.
                  long to = s.broken() ? Long.MAX_VALUE : s.events();
                  if (after >= to) {
                    return CompletableFuture.completedFuture(java.util.List.<Views.EventView>of());
                  }
                  return events
                      .currentEventsByPersistenceId(id.persistenceId().id(), after + 1, to)
                      .take(limit)
                      .map(env -> Views.event(env.sequenceNr(), (SessionEvent) env.event()))
                      .runWith(Sink.seq(), system);
                })
            .thenApply(
                list ->
                    ApiJson.response(
                        StatusCodes.OK,
                        new Views.EventsView(
                            list,
                            nextAfter(list, limit, Views.EventView::seq),
                            Views.missing(after, list))));
    return respond(page);
  }
}

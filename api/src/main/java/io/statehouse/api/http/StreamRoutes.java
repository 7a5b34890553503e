package io.statehouse.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.statehouse.api.stream.ClientFeed;
import io.statehouse.api.stream.EndReason;
import io.statehouse.api.stream.Frame;
import io.statehouse.api.stream.StreamSource;
import io.statehouse.api.stream.StreamSources;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.StatehouseRuntime;
import io.statehouse.runtime.session.AgentSession;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.session.SessionState;
import io.statehouse.runtime.session.TurnStatus;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.StreamLimitReachedException;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteString;

/**
 * Live sessions: {@code GET /v1/sessions/{id}/stream} (Server-Sent Events), {@code GET
 * /v1/sessions/{id}/ws} (WebSocket, two-way) and {@code POST /v1/sessions/{id}/stream-tickets} (a
 * short-lived ticket a browser puts in the stream's URL instead of a credential). Streams start
 * after {@code ?after=N} or the {@code Last-Event-ID} header (the header wins: a browser sends it
 * when it reconnects to the URL it first opened).
 */
final class StreamRoutes extends RouteSupport {
  private static final int MAX_REF_CHARS = 100;
  private static final int MAX_IDEMPOTENCY_KEY = 255;

  private final StatehouseRuntime runtime;
  private final ClientFeed feed;
  private final StreamTickets tickets;
  private final ActorSystem<?> system;

  StreamRoutes(
      RouteSupport base,
      StatehouseRuntime runtime,
      ClientFeed feed,
      StreamTickets tickets,
      ActorSystem<?> system) {
    super(base);
    this.runtime = runtime;
    this.feed = feed;
    this.tickets = tickets;
    this.system = system;
  }

  /** The stream routes of session {@code id} for a caller authenticated by header. */
  Route routes(Principal p, SessionId id) {
    return concat(
        path("stream", () -> get(() -> resumeAfter(after -> sse(p, id, after)))),
        path("ws", () -> get(() -> resumeAfter(after -> ws(p, id, after)))),
        path("stream-tickets", () -> post(() -> ignoredBody(() -> issueTicket(p, id)))));
  }

  /**
   * {@code /v1/sessions/{id}/stream|ws?ticket=...}: the ticket is the credential (browsers cannot
   * set headers on EventSource or WebSocket). A ticket opens only the session it was issued for.
   */
  Route ticketRoutes() {
    return parameter(
        "ticket",
        ticket ->
            pathPrefix(
                PathMatchers.segment("sessions").slash(PathMatchers.segment()),
                rawId ->
                    // redeemed only on the two stream paths: a ticket on any other URL is not
                    // spent, and that request goes on to the credential header
                    concat(
                        path(
                            "stream",
                            () ->
                                get(
                                    () -> {
                                      Principal p = redeemed(ticket, rawId);
                                      SessionId id = new SessionId(p.tenant(), rawId);
                                      return resumeAfter(a -> sse(p, id, a));
                                    })),
                        path(
                            "ws",
                            () ->
                                get(
                                    () -> {
                                      Principal p = redeemed(ticket, rawId);
                                      SessionId id = new SessionId(p.tenant(), rawId);
                                      return resumeAfter(a -> ws(p, id, a));
                                    })))));
  }

  /**
   * The principal a ticket was issued to, for session {@code rawId} of the tenant the ticket names
   * (taken from the ticket once its signature checked out). 401 otherwise, without quoting it.
   */
  private Principal redeemed(String ticket, String rawId) {
    StreamTickets.Redemption r =
        SessionId.isWellFormed(rawId)
            ? tickets.redeem(ticket, rawId)
            : new StreamTickets.Refused(StreamTickets.Refusal.OTHER_SESSION);
    return StreamTickets.principalOrRefuse(r, "POST /v1/sessions/{id}/stream-tickets");
  }

  /** The event to resume after: {@code Last-Event-ID}, else {@code ?after=}, else 0. */
  Route resumeAfter(java.util.function.Function<Long, Route> inner) {
    return optionalHeaderValueByName(
        "Last-Event-ID",
        header ->
            parameterOptional(
                "after", param -> inner.apply(eventNumber(header.isPresent() ? header : param))));
  }

  private static long eventNumber(Optional<String> raw) {
    if (raw.isEmpty() || raw.get().isBlank()) {
      return 0;
    }
    try {
      long n = Long.parseLong(raw.get().trim());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ApiError.badRequest(
        "after / Last-Event-ID must be an event sequence number (0 or more), not '"
            + abbreviate(raw.get())
            + "'");
  }

  private CompletionStage<SessionState> readable(Principal p, SessionId id) {
    return ask(
            runtime.session(id), SessionState.class, AgentSession.Get::new, settings.askTimeout())
        .thenApply(
            s -> {
              Access.requireRead(p, s.owner(), id.id());
              return s;
            });
  }

  private Route sse(Principal p, SessionId id, long after) {
    return sse(
        readable(p, id).thenApply(s -> s.closed() && after >= s.events()),
        feed.sources().session(id),
        after);
  }

  /**
   * {@code source}'s events after {@code after} as Server-Sent Events, once {@code over} said
   * whether nothing will ever come (then 204, which also tells a browser's EventSource to stop
   * reconnecting). {@code over} fails to refuse the request (404, 403).
   */
  Route sse(CompletionStage<Boolean> over, StreamSource source, long after) {
    return respond(
        over.thenApply(
            nothingMore -> {
              if (nothingMore) {
                return HttpResponse.create().withStatus(StatusCodes.NO_CONTENT);
              }
              org.apache.pekko.stream.javadsl.Source<ByteString, NotUsed> bytes =
                  feed.frames(source, after)
                      .map(Frame::sse)
                      .backpressureTimeout(feed.settings().stalledAfter());
              return eventStream(bytes);
            }));
  }

  /** What a stream follows. */
  StreamSources sources() {
    return feed.sources();
  }

  private Route ws(Principal p, SessionId id, long after) {
    return onSuccess(
        readable(p, id).exceptionallyCompose(e -> CompletableFuture.failedFuture(unwrap(e))),
        s -> {
          // a closed session with nothing after `after`: one end frame, then the socket closes
          org.apache.pekko.stream.javadsl.Source<Frame, NotUsed> frames =
              s.closed() && after >= s.events()
                  ? org.apache.pekko.stream.javadsl.Source.single(
                      new Frame.End(EndReason.SESSION_CLOSED, s.events()))
                  : feed.frames(feed.sources().session(id), after);
          Flow<Message, Message, NotUsed> flow =
              Flow.<Message>create()
                  .mapAsync(1, m -> inbound(p, id, m))
                  .merge(frames, true)
                  .map(f -> (Message) TextMessage.create(f.ws()))
                  .backpressureTimeout(feed.settings().stalledAfter());
          return handleWebSocketMessages(flow);
        });
  }

  private Route issueTicket(Principal p, SessionId id) {
    return respond(
        readable(p, id)
            .thenApply(
                s -> {
                  StreamTickets.Ticket t = tickets.issue(p, id);
                  return ApiJson.response(
                      StatusCodes.CREATED,
                      java.util.Map.of(
                          "ticket",
                          t.token(),
                          "expiresAt",
                          t.expiresAt().toString(),
                          "stream",
                          "/v1/sessions/" + id.id() + "/stream?ticket=" + t.token(),
                          "ws",
                          "/v1/sessions/" + id.id() + "/ws?ticket=" + t.token()));
                }));
  }

  // ---- what a WebSocket client sends ---------------------------------------------------------

  /** One client message: its acknowledgement, or an error frame; never a closed socket. */
  private CompletionStage<Frame> inbound(Principal p, SessionId id, Message m) {
    if (!m.isText()) {
      m.asBinaryMessage().getStreamedData().runWith(Sink.ignore(), system);
      return CompletableFuture.completedFuture(
          error(null, "invalid_request", "send JSON text messages, not binary ones"));
    }
    int max = feed.settings().maxInboundChars();
    return m.asTextMessage()
        .getStreamedText()
        .limitWeighted(max, t -> (long) t.length())
        .runFold(new StringBuilder(), StringBuilder::append, system)
        .thenCompose(text -> command(p, id, text.toString()))
        .exceptionally(
            e ->
                unwrap(e) instanceof StreamLimitReachedException
                    ? error(
                        null,
                        "payload_too_large",
                        "a WebSocket message may have at most " + max + " characters")
                    : error(null, "invalid_request", "the message could not be read"));
  }

  private CompletionStage<Frame> command(Principal p, SessionId id, String text) {
    JsonNode msg;
    try {
      msg = ApiJson.READER.readTree(text);
    } catch (Exception e) {
      return done(error(null, "invalid_json", "the message is not JSON"));
    }
    if (msg == null || !msg.isObject()) {
      return done(error(null, "invalid_request", "a message is a JSON object with a type"));
    }
    JsonNode ref = msg.get("ref");
    if (ref != null
        && !(ref.isNumber() || (ref.isTextual() && ref.asText().length() <= MAX_REF_CHARS))) {
      return done(
          error(
              null,
              "invalid_request",
              "ref is a number or a string of at most " + MAX_REF_CHARS + " characters"));
    }
    String type = msg.path("type").asText("");
    CompletionStage<Frame> reply;
    try {
      reply =
          switch (type) {
            case "message" -> sendMessage(p, id, ref, msg);
            case "approval" -> decide(p, id, ref, msg);
            case "cancel" -> cancel(p, id, ref);
            default ->
                done(
                    error(
                        ref,
                        "invalid_request",
                        "type must be message, approval or cancel, not '"
                            + abbreviate(type)
                            + "'"));
          };
    } catch (ApiError e) {
      return done(error(ref, e.code(), e.getMessage()));
    }
    return reply.exceptionally(e -> failure(ref, e));
  }

  private CompletionStage<Frame> sendMessage(
      Principal p, SessionId id, JsonNode ref, JsonNode msg) {
    String content = text(msg, "content");
    if (content == null || content.isBlank()) {
      throw ApiError.badRequest("content is required and must not be blank");
    }
    if (content.length() > settings.maxMessageChars()) {
      throw ApiError.badRequest(
          "content is longer than " + settings.maxMessageChars() + " characters");
    }
    String key = text(msg, "idempotencyKey");
    if (key != null && (key.isBlank() || key.length() > MAX_IDEMPOTENCY_KEY)) {
      throw ApiError.badRequest(
          "idempotencyKey must be 1 to " + MAX_IDEMPOTENCY_KEY + " characters");
    }
    Access.require(p, "sending messages", Access.USE_SESSIONS);
    return askKeyed(
            runtime.session(id),
            AgentSession.TurnAccepted.class,
            r -> new AgentSession.SendMessage(p, content, key, r),
            key,
            system.scheduler())
        .thenApply(
            a -> {
              ObjectNode data =
                  ApiJson.WRITER
                      .createObjectNode()
                      .put("turnId", a.turnId())
                      .put("replayed", a.replayed());
              if (a.queued()) {
                data.put("status", TurnStatus.QUEUED.wire());
              } else if (!a.replayed()) {
                data.put("status", TurnStatus.RUNNING.wire());
              }
              // a replayed key's turn may be anywhere in its life: its events say where
              return ack(ref, data);
            });
  }

  private CompletionStage<Frame> decide(Principal p, SessionId id, JsonNode ref, JsonNode msg) {
    String approvalId = text(msg, "approvalId");
    String decision = text(msg, "decision");
    String reason = text(msg, "reason");
    String outcome = text(msg, "outcome");
    String output = text(msg, "output");
    if (approvalId == null || approvalId.isBlank() || approvalId.length() > 200) {
      throw ApiError.badRequest("approvalId is required (the id of a pending approval)");
    }
    if (decision == null || decision.isBlank()) {
      throw ApiError.badRequest(
          "decision is required: approve or deny (an approval), retry or record (an unknown"
              + " outcome)");
    }
    if (reason != null && reason.length() > 2000) {
      throw ApiError.badRequest("reason is at most 2000 characters");
    }
    if (output != null && output.length() > settings.maxMessageChars()) {
      throw ApiError.badRequest(
          "output is longer than " + settings.maxMessageChars() + " characters");
    }
    return ask(
            runtime.session(id),
            AgentSession.TurnAccepted.class,
            r -> new AgentSession.Decide(p, approvalId, decision, outcome, output, reason, r),
            settings.askTimeout())
        .thenApply(
            a ->
                ack(
                    ref,
                    ApiJson.WRITER
                        .createObjectNode()
                        .put("approvalId", approvalId)
                        .put("turnId", a.turnId())));
  }

  private CompletionStage<Frame> cancel(Principal p, SessionId id, JsonNode ref) {
    Access.require(p, "cancelling a turn", Access.USE_SESSIONS);
    return ask(
            runtime.session(id),
            AgentSession.TurnOutcome.class,
            r -> new AgentSession.Cancel(p, r),
            settings.askTimeout())
        .thenApply(
            o ->
                ack(
                    ref,
                    ApiJson.WRITER
                        .createObjectNode()
                        .put("turnId", o.turnId())
                        .put("status", o.status().wire())));
  }

  /** A string field, or null; a field of another type is a 400. */
  private static String text(JsonNode msg, String field) {
    JsonNode v = msg.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw ApiError.badRequest(field + " must be a string");
    }
    return v.textValue();
  }

  private static Frame ack(JsonNode ref, ObjectNode data) {
    return new Frame.Reply("ack", ref, data);
  }

  private static Frame error(JsonNode ref, String code, String message) {
    return new Frame.Reply(
        "error", ref, ApiJson.WRITER.createObjectNode().put("code", code).put("message", message));
  }

  /** A failed ask as an error frame: a session's rejection, or the node's own trouble. */
  private static Frame failure(JsonNode ref, Throwable e) {
    Throwable cause = unwrap(e);
    if (cause instanceof ApiError api) {
      return error(ref, api.code(), api.getMessage());
    }
    if (cause instanceof Rejection r) {
      ApiError api = ApiError.from(r);
      return error(ref, api.code(), api.getMessage());
    }
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return error(ref, "timeout", "the session did not answer in time; try again");
    }
    return error(ref, "internal_error", "unexpected error; see the node's log");
  }

  private static CompletionStage<Frame> done(Frame f) {
    return CompletableFuture.completedFuture(f);
  }

  private static String abbreviate(String s) {
    String t = s.length() > 40 ? s.substring(0, 40) + "…" : s;
    return t.replaceAll("[\\p{Cntrl}]", "?");
  }
}

package io.statehouse.api.http;

import io.statehouse.api.dto.Views;
import io.statehouse.runtime.Asks;
import io.statehouse.runtime.Futures;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.journal.JournalHealth;
import io.statehouse.runtime.journal.JournalStatus;
import io.statehouse.runtime.telemetry.TraceParent;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * What every route needs: the caller's principal, a size-limited body, asks with a configured
 * timeout, and failures turned into JSON errors. Routes stay thin: parse, authorize, ask, map.
 */
abstract class RouteSupport extends AllDirectives {
  protected final HttpSettings settings;
  private final Authenticator authenticator;
  protected final JournalHealth journal;

  protected RouteSupport(
      HttpSettings settings, Authenticator authenticator, JournalHealth journal) {
    this.settings = settings;
    this.authenticator = authenticator;
    this.journal = journal;
  }

  /** A route class that shares {@code base}'s settings, authentication and journal health. */
  protected RouteSupport(RouteSupport base) {
    this(base.settings, base.authenticator, base.journal);
  }

  /**
   * Runs {@code inner} for a caller with a valid API key or JWT; 401 otherwise. The answer never
   * repeats the token.
   */
  protected Route authenticated(Function<Principal, Route> inner) {
    return optionalHeaderValueByName(
        "Authorization",
        header ->
            onSuccess(
                authenticator.principalOf(header.orElse(null)),
                principal ->
                    principal
                        .map(inner)
                        .orElseGet(
                            () ->
                                complete(
                                    ApiJson.error(
                                            new ApiError(
                                                StatusCodes.UNAUTHORIZED,
                                                "unauthorized",
                                                header.isPresent()
                                                    ? "the API key or JWT is not valid"
                                                    : "send an API key or JWT as 'Authorization:"
                                                        + " Bearer <token>'"))
                                        .addHeader(
                                            WWWAuthenticate.create(
                                                HttpChallenge.create("Bearer", "statehouse")))))));
  }

  /**
   * The {@code ?status=} filter of a list: one of {@code values} by its wire name, or absent; 400
   * naming the allowed values otherwise.
   */
  protected static <E extends Enum<E>> Optional<E> statusParam(
      Optional<String> raw, E[] values, Function<E, String> wire) {
    if (raw.isEmpty()) {
      return Optional.empty();
    }
    for (E value : values) {
      if (wire.apply(value).equalsIgnoreCase(raw.get())) {
        return Optional.of(value);
      }
    }
    throw ApiError.badRequest(
        "status must be one of " + java.util.Arrays.stream(values).map(wire).toList());
  }

  /**
   * The caller's W3C trace context ({@code traceparent}, {@code tracestate}), which the work the
   * request starts continues; null when it sent none, or none in the W3C format.
   */
  protected Route traceContext(Function<TraceParent, Route> inner) {
    return optionalHeaderValueByName(
        TraceParent.TRACEPARENT,
        parent ->
            optionalHeaderValueByName(
                TraceParent.TRACESTATE,
                state ->
                    inner.apply(TraceParent.fromHeaders(parent.orElse(null), state.orElse(null)))));
  }

  /**
   * A message's text: 400 {@code missing} when it is absent or blank, 400 when it is longer than
   * {@code statehouse.http.max-message-chars}.
   */
  protected void requireText(String text, String field, String missing) {
    if (text == null || text.isBlank()) {
      throw ApiError.badRequest(missing);
    }
    if (text.length() > settings.maxMessageChars()) {
      throw ApiError.badRequest(
          field + " is longer than " + settings.maxMessageChars() + " characters");
    }
  }

  /** Reads the body, at most {@code statehouse.http.max-body-size} bytes, as {@code type}. */
  protected <T> Route body(Class<T> type, boolean yamlAllowed, Function<T, Route> inner) {
    return extractRequestEntity(
        entity -> {
          if (entity.getContentLengthOption().orElse(0L) > settings.maxBodyBytes()) {
            throw tooLarge(settings.maxBodyBytes());
          }
          return strictBody(type, yamlAllowed, inner);
        });
  }

  /**
   * For a POST whose body means nothing ({@code cancel}, {@code stream-tickets}): the body, if any,
   * is read (within the size limit) before answering, so the connection stays usable.
   */
  protected Route ignoredBody(Supplier<Route> inner) {
    return extractStrictEntity(
        settings.bodyReadTimeout(), settings.maxBodyBytes(), (HttpEntity.Strict e) -> inner.get());
  }

  static ApiError tooLarge(long limit) {
    return new ApiError(
        StatusCodes.CONTENT_TOO_LARGE,
        "payload_too_large",
        "the request body is larger than the limit of " + limit + " bytes");
  }

  private <T> Route strictBody(Class<T> type, boolean yamlAllowed, Function<T, Route> inner) {
    return extractStrictEntity(
        settings.bodyReadTimeout(),
        settings.maxBodyBytes(),
        (HttpEntity.Strict entity) -> inner.apply(ApiJson.read(entity, type, yamlAllowed)));
  }

  /**
   * Asks an entity; a rejection becomes its API error, no answer in time a 503. While the journal
   * is unavailable the ask fails at once (and one in flight when it is lost fails then) with 503
   * {@code journal_unavailable}: no entity can write, so none is asked.
   */
  protected <M, R> CompletionStage<R> ask(
      EntityRef<M> entity,
      Class<R> replyType,
      Function<ActorRef<StatusReply<R>>, M> message,
      Duration timeout) {
    return guarded(() -> Asks.askWithStatus(entity, replyType, message, timeout));
  }

  /**
   * {@code asking}'s answer, asked only while the journal is available and failing at once when it
   * is lost, with failures translated as {@link #ask} says.
   */
  private <R> CompletionStage<R> guarded(Supplier<CompletionStage<R>> asking) {
    CompletableFuture<R> answer =
        journal.available() ? asking.get().toCompletableFuture() : new CompletableFuture<>();
    return journal.failFastOnLoss(answer).exceptionallyCompose(RouteSupport::translate);
  }

  /**
   * {@link #ask} for a message the session may get more than once: one with an idempotency key. It
   * is sent again every {@code resend-after} while no answer has come, within the ask timeout; see
   * {@link Asks#askWithStatusResending}. A message without a key is asked once.
   */
  protected <M, R> CompletionStage<R> askKeyed(
      EntityRef<M> entity,
      Class<R> replyType,
      Function<ActorRef<StatusReply<R>>, M> message,
      String key,
      Scheduler scheduler) {
    if (key == null) {
      return ask(entity, replyType, message, settings.askTimeout());
    }
    return guarded(
        () ->
            Asks.askWithStatusResending(
                entity,
                replyType,
                message,
                settings.askTimeout(),
                settings.resendAfter(),
                scheduler));
  }

  /**
   * A listing {@code entity} replies with (a reply without status), answered as {@code {"items":
   * [...]}}. While the journal is unavailable it fails at once, as {@link #ask} does.
   */
  protected <M, L> Route listing(
      EntityRef<M> entity, Function<ActorRef<L>, M> message, Function<L, List<?>> items) {
    CompletableFuture<L> answer =
        journal.available()
            ? Asks.inline(entity.<L>ask(message::apply, settings.askTimeout()))
            : new CompletableFuture<>();
    return respond(
        journal
            .failFastOnLoss(answer)
            .thenApply(
                l -> ApiJson.response(StatusCodes.OK, new Views.CatalogView<>(items.apply(l)))));
  }

  /**
   * {@code inner} once {@code exists} (a journal read: an id nobody created costs that read and
   * never reaches sharding) says the entity exists; otherwise 404 {@code notFoundCode}. A read of
   * the journal that failed is the journal being unavailable to this request (503), not an internal
   * error.
   */
  protected Route whenExists(
      CompletionStage<Boolean> exists,
      String what,
      String notFoundCode,
      String rawId,
      Supplier<Route> inner) {
    return onSuccess(
        exists.exceptionallyCompose(
            e ->
                CompletableFuture.failedFuture(
                    ApiError.from(
                        JournalHealth.rejection(
                            new JournalStatus.Unavailable(
                                "the " + what + " existence read failed",
                                java.time.Instant.now()))))),
        found -> {
          if (!found) {
            throw ApiError.notFound(notFoundCode, "no " + what + " " + rawId);
          }
          return inner.get();
        });
  }

  /**
   * A service's answer (it asks entities itself) with the same rules as {@link #ask}: a rejection
   * becomes its API error, a timeout a 503, a lost journal 503 {@code journal_unavailable}.
   */
  protected <R> CompletionStage<R> translated(CompletionStage<R> answer) {
    CompletableFuture<R> out =
        journal.available() ? answer.toCompletableFuture() : new CompletableFuture<>();
    return journal.failFastOnLoss(out).exceptionallyCompose(RouteSupport::translate);
  }

  private static <R> CompletionStage<R> translate(Throwable error) {
    Throwable e = unwrap(error);
    if (e instanceof Rejection r) {
      return CompletableFuture.failedFuture(ApiError.from(r));
    }
    if (e instanceof TimeoutException) {
      return CompletableFuture.failedFuture(
          new ApiError(
              StatusCodes.SERVICE_UNAVAILABLE,
              "timeout",
              "the runtime did not answer in time; try again"));
    }
    return CompletableFuture.failedFuture(e);
  }

  protected static Throwable unwrap(Throwable error) {
    return Futures.unwrap(error);
  }

  /**
   * Completes with {@code response}. A failure that is not already an API error while the journal
   * is unavailable (a read of Cassandra that failed) is answered as 503 {@code
   * journal_unavailable}, not as an internal error.
   */
  protected Route respond(CompletionStage<HttpResponse> response) {
    return completeWithFuture(
        response.exceptionallyCompose(
            e ->
                unwrap(e) instanceof ApiError
                        || !(journal.status() instanceof JournalStatus.Unavailable lost)
                    ? CompletableFuture.failedFuture(e)
                    : CompletableFuture.failedFuture(
                        ApiError.from(JournalHealth.rejection(lost)))));
  }

  /**
   * The cursor of the next page: the key of the last entry of a full page (there may be more), or
   * null when the page is short (there are none).
   */
  protected static <E, K> K nextAfter(
      java.util.List<E> page, int limit, java.util.function.Function<E, K> key) {
    return page.size() == limit ? key.apply(page.get(page.size() - 1)) : null;
  }

  /** An integer query parameter within bounds, or a 400 naming it. */
  protected static int intParam(Optional<String> raw, String name, int fallback, int min, int max) {
    if (raw.isEmpty()) {
      return fallback;
    }
    try {
      int v = Integer.parseInt(raw.get().trim());
      if (v < min || v > max) {
        throw ApiError.badRequest(
            "query parameter '" + name + "' must be between " + min + " and " + max);
      }
      return v;
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("query parameter '" + name + "' must be an integer");
    }
  }

  /**
   * {@code bytes} as a {@code text/event-stream} answer that proxies pass on as it comes: no
   * caching and no buffering ({@code X-Accel-Buffering: no} for nginx-style proxies).
   */
  protected static HttpResponse eventStream(Source<ByteString, ?> bytes) {
    return HttpResponse.create()
        .withEntity(HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), bytes))
        .addHeader(CacheControl.create(CacheDirectives.NO_CACHE))
        .addHeader(RawHeader.create("X-Accel-Buffering", "no"));
  }
}

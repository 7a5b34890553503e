package io.statehouse.runtime.model.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.Futures;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.Backoff;
import io.statehouse.runtime.model.ModelCallException;
import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.ModelRequest;
import io.statehouse.runtime.model.openai.Bodies.Body;
import io.statehouse.runtime.tool.egress.Admission;
import io.statehouse.runtime.tool.egress.EgressGuard;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One model call on a chat-completions server: attempts, each checked against the tenant's egress
 * policy and then sent, until one answers, a failure is final, the attempts run out, or the next
 * backoff would not fit in the call's budget. A streamed attempt that already passed text or tool
 * input on is never repeated: the live stream has shown it.
 *
 * <p>Cancelling the future {@link #start} returns abandons the call: the exchange under way is
 * aborted (its {@code sendAsync} future cancelled, its body subscription cancelled, so the JDK
 * client closes the connection), a pending backoff is dropped with its timer, no further attempt
 * starts, and no delta reaches the sink after the cancel (but for one being handed over then).
 *
 * <p>The API key is only ever put in the Authorization header. What the server sends has it
 * replaced before anything reads it (each JSON body, each event), in case the server echoes it, so
 * no message built from the server's words can carry it, cut short or whole.
 */
final class OpenAiCall {
  private static final int ERROR_BODY_BYTES = 64 * 1024;
  private static final String REDACTED = "[redacted]";

  private final OpenAiModelClient owner;
  private final HttpClient http;
  private final EgressGuard egress;
  private final ModelRequest request;
  private final OpenAiOptions options;
  private final Optional<String> apiKey;
  private final Consumer<ModelDelta> deltaSink;
  private final long deadlineNanos;
  private final byte[] body;
  private final URI uri;
  private final CompletableFuture<ModelReply> result = new CompletableFuture<>();
  private volatile boolean streamed;
  // what cancelling the call must stop: the exchange of the attempt under way (or the pause before
  // the next one), and the body it is reading
  private volatile CompletableFuture<?> inFlight;
  private volatile Bodies.Watched reading;

  OpenAiCall(
      OpenAiModelClient owner,
      HttpClient http,
      EgressGuard egress,
      ModelRequest request,
      OpenAiOptions options,
      Optional<String> apiKey,
      Consumer<ModelDelta> deltaSink,
      long deadlineNanos) {
    this.owner = owner;
    this.http = http;
    this.egress = egress;
    this.request = request;
    this.options = options;
    this.apiKey = apiKey;
    this.deltaSink = deltaSink;
    this.deadlineNanos = deadlineNanos;
    this.uri = options.chatCompletions();
    try {
      this.body = Json.MAPPER.writeValueAsBytes(OpenAiConversation.body(request, options));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write a chat-completions request", e);
    }
  }

  /** Starts the first attempt; the returned future is the call's: cancelling it abandons it. */
  CompletableFuture<ModelReply> start() {
    result.whenComplete(
        (reply, error) -> {
          if (result.isCancelled()) {
            abandon();
          }
        });
    attempt(1);
    return result;
  }

  private void abandon() {
    CompletableFuture<?> f = inFlight;
    if (f != null) {
      f.cancel(true);
    }
    Bodies.Watched b = reading;
    if (b != null) {
      b.abandon();
    }
  }

  /**
   * Makes {@code f} what a cancel stops; cancels it at once when the call was cancelled already
   * (the cancel ran before {@code f} existed).
   */
  private <T extends CompletableFuture<?>> T track(T f) {
    inFlight = f;
    if (result.isDone()) {
      f.cancel(true);
    }
    return f;
  }

  /** Passes a delta on, unless the call is over (a cancelled call shows nothing more). */
  private void emit(ModelDelta delta) {
    if (result.isDone()) {
      return;
    }
    streamed = true;
    deltaSink.accept(delta);
  }

  /** A failed attempt: what it means, and how long the server asked us to wait, if it did. */
  private static final class AttemptFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient ModelCallException failure;
    final transient Optional<Duration> retryAfter;

    AttemptFailed(ModelCallException failure, Optional<Duration> retryAfter) {
      super(failure.getMessage(), null, false, false);
      this.failure = failure;
      this.retryAfter = retryAfter;
    }
  }

  private void attempt(int n) {
    if (result.isDone()) {
      return; // cancelled while the pause ran out
    }
    CompletableFuture<ModelReply> one;
    try {
      one = admitThenSend();
    } catch (RuntimeException e) {
      one = CompletableFuture.failedFuture(e);
    }
    one.whenComplete(
        (reply, error) -> {
          if (result.isDone()) {
            return; // cancelled: whatever this attempt became, nothing follows it
          }
          if (error == null) {
            result.complete(reply);
            return;
          }
          Throwable cause = Futures.unwrap(error);
          AttemptFailed failed =
              cause instanceof AttemptFailed a
                  ? a
                  : new AttemptFailed(classify(cause), Optional.empty());
          ModelCallException f = failed.failure;
          if (!f.retryable() || n >= owner.maxAttempts() || streamed) {
            result.completeExceptionally(finalFailure(f, n));
            return;
          }
          CompletableFuture<Void> pause = owner.pause(n, deadlineNanos, failed.retryAfter);
          if (pause == null) {
            result.completeExceptionally(finalFailure(f, n));
            return;
          }
          track(pause).thenRun(() -> attempt(n + 1));
        });
  }

  /** What the turn records: the last failure, no longer retryable by the session. */
  private ModelCallException finalFailure(ModelCallException f, int attempts) {
    String message =
        attempts > 1 ? f.getMessage() + " (after " + attempts + " attempts)" : f.getMessage();
    return new ModelCallException(f.code(), scrub(message), false);
  }

  /** The message with the key replaced wherever it appears. */
  private String scrub(String message) {
    if (apiKey.isEmpty() || message == null) {
      return message;
    }
    return message.replace(apiKey.get(), REDACTED);
  }

  private CompletableFuture<ModelReply> admitThenSend() {
    if (request.tenant() == null) {
      // the egress policy is a tenant's; without one nothing could say where the call may go
      throw new ModelCallException(
          "egress_denied",
          "a model call outside a session has no tenant whose egress policy could admit it",
          false);
    }
    return egress
        .admit(request.tenant(), uri)
        .thenCompose(
            admission -> {
              if (admission instanceof Admission.Refused r) {
                throw new ModelCallException("egress_denied", r.message(), false);
              }
              if (admission instanceof Admission.Unresolved u) {
                throw new ModelCallException("model_connection", u.message(), true);
              }
              if (result.isDone()) {
                // cancelled while the egress check ran: nothing is sent
                throw new CancellationException("the model call was abandoned");
              }
              return send();
            });
  }

  private CompletableFuture<ModelReply> send() {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(headTimeout())
            .header("Content-Type", "application/json")
            .header("Accept", options.streaming() ? "text/event-stream" : "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (apiKey.isPresent()) {
      try {
        b.header("Authorization", "Bearer " + apiKey.get());
      } catch (IllegalArgumentException e) {
        // the JDK's message quotes the value: never pass it on
        throw new ModelCallException(
            "model_credentials",
            "the value of "
                + options.apiKeyEnv().orElse("the key's variable")
                + " cannot be sent in an HTTP header",
            false);
      }
    }
    Bodies.Watch watch =
        new Bodies.Watch(owner.scheduler(), owner.settings().readTimeout(), deadlineNanos);
    StreamAssembly assembly = new StreamAssembly(this::emit);
    HttpResponse.BodyHandler<Body> handler =
        info -> {
          boolean ok = info.statusCode() / 100 == 2;
          String type =
              info.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
          Bodies.Watched w;
          if (ok && type.startsWith("text/event-stream")) {
            w =
                new Bodies.Sse(
                    watch,
                    assembly,
                    this::scrub,
                    owner.settings().maxResponseBytes(),
                    owner.settings().maxEventBytes());
          } else {
            w =
                ok
                    ? new Bodies.Bounded(watch, owner.settings().maxResponseBytes(), false)
                    : new Bodies.Bounded(watch, ERROR_BODY_BYTES, true);
          }
          reading = w;
          if (result.isCancelled()) {
            w.abandon(); // the cancel ran before this body existed
          }
          return w;
        };
    // the exchange itself is tracked, not a stage after it: only its cancel aborts the request
    return track(http.sendAsync(b.build(), handler)).thenApply(this::reply);
  }

  /** The response head must come within the read timeout, and within the call's budget. */
  private Duration headTimeout() {
    Duration left = Backoff.remaining(deadlineNanos);
    Duration read = owner.settings().readTimeout();
    return left.compareTo(read) < 0 ? left : read;
  }

  private ModelReply reply(HttpResponse<Body> response) {
    int status = response.statusCode();
    Body b = response.body();
    if (status / 100 == 2 && b instanceof Body.Streamed s) {
      return s.reply();
    }
    byte[] bytes = ((Body.Whole) b).bytes();
    JsonNode json = json(bytes);
    if (status / 100 == 2) {
      if (json == null || !json.isObject()) {
        throw new ModelCallException(
            "model_malformed_output", "the model server's reply is not JSON", false);
      }
      return OpenAiReplies.reply(json);
    }
    throw new AttemptFailed(
        byStatus(status, json), retryAfter(response.headers()).filter(d -> !d.isNegative()));
  }

  /** The body as JSON, the key replaced first; null when it is not JSON. */
  private JsonNode json(byte[] bytes) {
    try {
      return bytes.length == 0
          ? null
          : Json.MAPPER.readTree(scrub(new String(bytes, StandardCharsets.UTF_8)));
    } catch (IOException e) {
      return null;
    }
  }

  /** A non-2xx answer, with the server's own message when it gave one in JSON. */
  private ModelCallException byStatus(int status, JsonNode json) {
    String said = OpenAiReplies.errorMessage(json).map(m -> ": " + m).orElse("");
    String http = " (HTTP " + status + ")";
    String code = json == null ? "" : json.path("error").path("code").asText("");
    if (status == 429 && code.equals("insufficient_quota")) {
      return new ModelCallException(
          "model_quota", "the model server's quota is used up" + http + said, false);
    }
    return switch (status) {
      case 429 ->
          new ModelCallException(
              "model_throttled", "the model server throttled the call" + http + said, true);
      case 500, 502, 503, 504 ->
          new ModelCallException(
              "model_unavailable", "the model server failed" + http + said, true);
      case 400, 413, 422 ->
          new ModelCallException(
              "model_validation", "the model server refused the request" + http + said, false);
      case 401 ->
          new ModelCallException(
              "model_credentials",
              (options.apiKeyEnv().isPresent()
                      ? "the model server refused the key of " + options.apiKeyEnv().get()
                      : "the model server wants an API key: set model.apiKeyEnv")
                  + http
                  + said,
              false);
      case 403 ->
          new ModelCallException(
              "model_access_denied", "the model server denied access" + http + said, false);
      case 404 ->
          new ModelCallException(
              "model_not_found",
              "the model server has no model "
                  + OpenAiReplies.bounded(options.model())
                  + " or no /chat/completions under model.baseUrl"
                  + http
                  + said,
              false);
      case 408 ->
          new ModelCallException("model_timeout", "the model server timed out" + http + said, true);
      default ->
          status / 100 == 3
              ? new ModelCallException(
                  "model_rejected",
                  "the model server answered with a redirect"
                      + http
                      + ", which is not followed: set model.baseUrl to where it leads",
                  false)
              : new ModelCallException(
                  status >= 500 ? "model_unavailable" : "model_rejected",
                  "the model server refused the call" + http + said,
                  false);
    };
  }

  /**
   * {@code retry-after-ms} (OpenAI's), else {@code Retry-After} in seconds or as an HTTP date;
   * empty when absent or unreadable.
   */
  static Optional<Duration> retryAfter(HttpHeaders headers) {
    Optional<String> ms = headers.firstValue("retry-after-ms");
    if (ms.isPresent()) {
      try {
        return Optional.of(Duration.ofMillis((long) Double.parseDouble(ms.get().trim())));
      } catch (NumberFormatException e) {
        // fall back to Retry-After
      }
    }
    Optional<String> ra = headers.firstValue("retry-after");
    if (ra.isEmpty()) {
      return Optional.empty();
    }
    String v = ra.get().trim();
    try {
      return Optional.of(Duration.ofMillis((long) (Double.parseDouble(v) * 1000)));
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        return Optional.of(Duration.between(ZonedDateTime.now(at.getZone()), at));
      } catch (DateTimeParseException d) {
        return Optional.empty();
      }
    }
  }

  /** Sorts a failure of the HTTP exchange into what the turn records. */
  private static ModelCallException classify(Throwable e) {
    if (e instanceof ModelCallException m) {
      return m;
    }
    if (e instanceof HttpConnectTimeoutException) {
      return new ModelCallException(
          "model_connection", "cannot connect to the model server in time", true);
    }
    if (e instanceof HttpTimeoutException) {
      return new ModelCallException(
          "model_timeout", "the model server did not answer in time", true);
    }
    if (e instanceof ConnectException) {
      return new ModelCallException("model_connection", "cannot connect to the model server", true);
    }
    if (e instanceof IOException) {
      return new ModelCallException(
          "model_connection",
          "the connection to the model server failed: "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + OpenAiReplies.bounded(e.getMessage())),
          true);
    }
    return new ModelCallException(
        "model_error",
        e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : ": " + OpenAiReplies.bounded(e.getMessage())),
        true);
  }
}

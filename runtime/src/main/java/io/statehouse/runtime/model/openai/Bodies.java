package io.statehouse.runtime.model.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.ModelCallException;
import io.statehouse.runtime.model.ModelReply;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Response bodies read with bounds: a JSON body up to a byte limit, a server-sent event stream up
 * to a limit in all and per event. Each body is watched: silence longer than the read timeout, or
 * the call's deadline, cancels it (the JDK client's request timeout covers the response head only).
 */
final class Bodies {
  private Bodies() {}

  /** What one response body became. */
  sealed interface Body {
    /** A 2xx stream, assembled. */
    record Streamed(ModelReply reply) implements Body {}

    /** Any other body, up to its limit; {@code truncated} when there was more. */
    record Whole(byte[] bytes, boolean truncated) implements Body {}
  }

  /** When a body must give up: after {@code readTimeout} of silence, or at the deadline. */
  record Watch(ScheduledExecutorService timer, Duration readTimeout, long deadlineNanos) {}

  static ModelCallException tooLarge(long limit, String setting) {
    return new ModelCallException(
        "model_malformed_output",
        "the model server's reply is larger than "
            + limit
            + " bytes (statehouse.models.openai."
            + setting
            + ")",
        false);
  }

  /** A body subscriber that asks for one buffer list at a time and is watched for silence. */
  abstract static class Watched implements HttpResponse.BodySubscriber<Body> {
    final CompletableFuture<Body> result = new CompletableFuture<>();
    private final Watch watch;
    private volatile Flow.Subscription subscription;
    private volatile long lastNanos;
    private volatile ScheduledFuture<?> timer;

    Watched(Watch watch) {
      this.watch = watch;
    }

    /** One buffer of the body, in order; may throw to fail the body. */
    abstract void accept(ByteBuffer buffer);

    /** The body ended normally. */
    abstract Body finish();

    @Override
    public CompletionStage<Body> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (result.isDone()) {
        s.cancel(); // abandoned before the body began
        return;
      }
      lastNanos = System.nanoTime();
      check();
      s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      lastNanos = System.nanoTime();
      try {
        for (ByteBuffer b : items) {
          accept(b);
          if (result.isDone()) {
            return;
          }
        }
      } catch (RuntimeException e) {
        fail(e);
        return;
      }
      subscription.request(1);
    }

    @Override
    public void onError(Throwable t) {
      stopTimer();
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      stopTimer();
      if (result.isDone()) {
        return;
      }
      try {
        result.complete(finish());
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    }

    /** Ends the body early with {@code value} (the stream said [DONE]) and stops reading. */
    final void succeed(Body value) {
      stopTimer();
      if (result.complete(value)) {
        cancelSubscription();
      }
    }

    final void fail(Throwable t) {
      stopTimer();
      if (result.completeExceptionally(t)) {
        cancelSubscription();
      }
    }

    /**
     * The call was cancelled: stop reading; the JDK client closes a connection whose body was not
     * read to its end.
     */
    final void abandon() {
      fail(new CancellationException("the model call was abandoned"));
    }

    private void cancelSubscription() {
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }

    /** Fails the body when it is silent too long or past the deadline; else checks again later. */
    private void check() {
      if (result.isDone()) {
        return;
      }
      long now = System.nanoTime();
      long idleAt = lastNanos + watch.readTimeout().toNanos();
      if (now - watch.deadlineNanos() >= 0) {
        fail(
            new ModelCallException(
                "model_timeout",
                "no complete reply from the model server within the call's budget",
                false));
        return;
      }
      if (now - idleAt >= 0) {
        fail(
            new ModelCallException(
                "model_timeout",
                "the model server sent nothing for " + watch.readTimeout().toMillis() + " ms",
                true));
        return;
      }
      long next = Math.min(idleAt - now, watch.deadlineNanos() - now);
      timer = watch.timer().schedule(this::check, next, TimeUnit.NANOSECONDS);
      if (result.isDone()) {
        stopTimer();
      }
    }

    private void stopTimer() {
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
    }
  }

  /** A body read whole, up to {@code limit} bytes: past it, kept short or failed. */
  static final class Bounded extends Watched {
    private final long limit;
    private final boolean truncate;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    /** {@code truncate}: keep what fits (error bodies); else a longer body fails. */
    Bounded(Watch watch, long limit, boolean truncate) {
      super(watch);
      this.limit = limit;
      this.truncate = truncate;
    }

    @Override
    void accept(ByteBuffer b) {
      int room = (int) Math.min(Integer.MAX_VALUE, limit - bytes.size());
      if (b.remaining() > room) {
        if (!truncate) {
          throw tooLarge(limit, "max-response-bytes");
        }
        byte[] part = new byte[room];
        b.get(part);
        bytes.writeBytes(part);
        succeed(new Body.Whole(bytes.toByteArray(), true));
        return;
      }
      byte[] all = new byte[b.remaining()];
      b.get(all);
      bytes.writeBytes(all);
    }

    @Override
    Body finish() {
      return new Body.Whole(bytes.toByteArray(), false);
    }
  }

  /**
   * A {@code text/event-stream} body: lines split on LF (a line's bytes are decoded only when it is
   * whole, so a chunk may end anywhere, even inside a character), {@code data:} lines gathered into
   * events, events handed to a {@link StreamAssembly}. {@code data: [DONE]} ends it.
   */
  static final class Sse extends Watched {
    private final StreamAssembly assembly;
    private final UnaryOperator<String> scrub;
    private final long maxBytes;
    private final int maxEventBytes;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final StringBuilder data = new StringBuilder();
    private String event;
    private long total;

    /** {@code scrub}: applied to each event's data before it is read (the API key out). */
    Sse(
        Watch watch,
        StreamAssembly assembly,
        UnaryOperator<String> scrub,
        long maxBytes,
        int maxEventBytes) {
      super(watch);
      this.assembly = assembly;
      this.scrub = scrub;
      this.maxBytes = maxBytes;
      this.maxEventBytes = maxEventBytes;
    }

    @Override
    void accept(ByteBuffer b) {
      total += b.remaining();
      if (total > maxBytes) {
        throw tooLarge(maxBytes, "max-response-bytes");
      }
      while (b.hasRemaining() && !result.isDone()) {
        byte x = b.get();
        if (x == '\n') {
          line();
        } else if (line.size() >= maxEventBytes) {
          throw tooLarge(maxEventBytes, "max-event-bytes");
        } else {
          line.write(x);
        }
      }
    }

    @Override
    Body finish() {
      if (line.size() > 0) {
        line();
      }
      dispatch();
      if (result.isDone()) {
        // [DONE] was in the last line, without a newline after it
        return result.join();
      }
      return new Body.Streamed(assembly.reply());
    }

    private void line() {
      String s = line.toString(StandardCharsets.UTF_8);
      line.reset();
      if (s.endsWith("\r")) {
        s = s.substring(0, s.length() - 1);
      }
      if (s.isEmpty()) {
        dispatch();
        return;
      }
      if (s.startsWith(":")) {
        return; // a comment: keep-alives
      }
      int colon = s.indexOf(':');
      String field = colon < 0 ? s : s.substring(0, colon);
      String value = colon < 0 ? "" : s.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      if (field.equals("data")) {
        if (data.length() > 0) {
          data.append('\n');
        }
        data.append(value);
        if (data.length() > maxEventBytes) {
          throw tooLarge(maxEventBytes, "max-event-bytes");
        }
      } else if (field.equals("event")) {
        event = value;
      }
    }

    private void dispatch() {
      String payload = scrub.apply(data.toString());
      String type = event;
      data.setLength(0);
      event = null;
      if (payload.isBlank() || result.isDone()) {
        return;
      }
      JsonNode json = parse(payload);
      if (json == null && payload.indexOf('\n') > 0) {
        // a server that leaves out the blank line between events: each data line is one
        for (String part : payload.split("\n")) {
          if (!result.isDone()) {
            handle(part, parse(part), type);
          }
        }
        return;
      }
      handle(payload, json, type);
    }

    private void handle(String payload, JsonNode json, String type) {
      if (payload.trim().equals("[DONE]")) {
        assembly.done();
        succeed(new Body.Streamed(assembly.reply()));
        return;
      }
      if (json == null || !json.isObject()) {
        throw new ModelCallException(
            "model_malformed_output", "the model server sent an event that is not JSON", false);
      }
      if ("error".equals(type) && !json.has("error")) {
        throw OpenAiReplies.inBody(json);
      }
      assembly.chunk(json);
    }

    private static JsonNode parse(String payload) {
      if (payload.trim().equals("[DONE]")) {
        return null;
      }
      try {
        return Json.MAPPER.readTree(payload);
      } catch (Exception e) {
        return null;
      }
    }
  }
}

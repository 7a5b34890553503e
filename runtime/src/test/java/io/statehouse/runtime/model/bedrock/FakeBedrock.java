package io.statehouse.runtime.model.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.testing.LoopbackServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;

/**
 * A fake Amazon Bedrock Runtime on loopback, for tests: the real {@code BedrockRuntimeAsyncClient}
 * talks to it over HTTP/1.1 (the client needs {@code Protocol.HTTP1_1} and {@code
 * ProtocolNegotiation.ASSUME_PROTOCOL} on its Netty builder, since Bedrock's defaults are h2c).
 *
 * <p>It serves {@code POST /model/{modelId}/converse} (JSON) and {@code POST
 * /model/{modelId}/converse-stream} (AWS event-stream frames, chunked, flushed one by one). Each
 * request takes the next scripted {@link Reply}, whatever its operation; with none left it answers
 * {@code Reply.text("ok")}. Every request is {@linkplain #requests() recorded} before it is
 * answered, with the model id decoded from the raw path (so ARNs with {@code :} and {@code /} come
 * back exactly).
 *
 * <h2>Default usage counting</h2>
 *
 * A word is a maximal run of non-whitespace characters ({@link Character#isWhitespace}).
 *
 * <ul>
 *   <li>Input tokens: the words of every {@code text} in {@code system} and in {@code messages}
 *       (text blocks, and the text items of tool results), plus the words of the compact JSON
 *       ({@code JsonNode.toString()}) of every tool-use input and JSON tool-result item, plus the
 *       words of the compact JSON of the whole {@code toolConfig}. Compact JSON has whitespace only
 *       inside its strings, so a JSON value counts 1 plus its strings' inner whitespace runs.
 *   <li>Output tokens: the words of the reply's text blocks, plus 1 per tool use.
 *   <li>{@code totalTokens} = input + output + cache read + cache write.
 * </ul>
 *
 * <h2>Prompt-cache accounting</h2>
 *
 * A {@code cachePoint} block (in {@code toolConfig.tools}, {@code system} or a message's {@code
 * content}) ends a cacheable prefix: everything the request holds before that point, in Bedrock's
 * order toolConfig, system, messages, with cache points themselves left out. Its tokens are the
 * input tokens of that prefix, counted as above. The fake keeps the SHA-256 of the canonical JSON
 * ({@link Json#canonicalBytes}) of every prefix it has seen, across requests. For the last cache
 * point of a request: if its prefix was seen, its tokens are {@code cacheReadInputTokens};
 * otherwise the longest earlier prefix of the request that was seen is read and the rest up to the
 * last point is {@code cacheWriteInputTokens}. {@code inputTokens} is then only what follows the
 * last cache point. Afterwards every prefix of the request is remembered. A request without cache
 * points has all its tokens in {@code inputTokens} and no cache fields. Prefixes are remembered for
 * every request except those answered with a plain HTTP error ({@link Reply#error}), so a retry
 * after a throttle counts like a first try. {@link Reply#usage} and {@link Reply#cacheUsage}
 * override the counts.
 *
 * <h2>Failures</h2>
 *
 * {@link Reply#streamExceptionAfter}, {@link Reply#cutAfter} and {@link Reply#stallAfter} describe
 * a stream; on a non-streaming {@code converse} they become, in order: the plain HTTP error that
 * exception type maps to, a connection dropped before any response, and no response until {@link
 * #close()}. {@link Reply#trickleAfter} keeps a stream going until its client goes away, which
 * {@link #awaitAbandoned} reports: what a test of cancellation asserts on.
 *
 * <p>A stream is sent chunked, except one that will be cut or stalled: it announces the {@code
 * Content-Length} of the whole stream and sends less. The SDK's Netty client (2.54.14, HTTP/1.1)
 * completes {@code converseStream} normally when a chunked body ends without its final chunk, so
 * only a length tells it the provider died mid-stream; it then fails the future with an I/O error.
 * Production code that reads a chunked stream must still treat an end without {@code messageStop}
 * as a failure.
 */
public final class FakeBedrock implements AutoCloseable {

  private static final int THREADS = 16;
  private static final String EVENT_STREAM = "application/vnd.amazon.eventstream";
  private static final String CONVERSE = "converse";
  private static final String CONVERSE_STREAM = "converse-stream";

  /**
   * What the SDK sent. operation: "converse" or "converse-stream"; modelId decoded from the RAW
   * path.
   */
  public record Recorded(
      String operation, String modelId, JsonNode body, Map<String, List<String>> headers) {}

  private final LoopbackServer server;
  private final Queue<Reply> replies = new ConcurrentLinkedQueue<>();
  private final List<Recorded> requests = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicLong requestCount =
      new java.util.concurrent.atomic.AtomicLong();
  // off for load runs: each recorded body holds a whole conversation, and a long run keeps
  // thousands of them
  private volatile boolean recording = true;
  private final PromptCache cache = new PromptCache();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Semaphore abandoned = new Semaphore(0);

  private FakeBedrock() {
    this.server = LoopbackServer.start("fake-bedrock", THREADS, this::handle);
  }

  /** Starts a fake on 127.0.0.1 and an ephemeral port. */
  public static FakeBedrock start() {
    return new FakeBedrock();
  }

  /** The base URI to give the client's {@code endpointOverride}: http://127.0.0.1:port. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.port());
  }

  /** Scripts the next answers; consumed in order, one per request, whatever the operation. */
  public FakeBedrock enqueue(Reply... replies) {
    this.replies.addAll(List.of(replies));
    return this;
  }

  /** Every request received, in order. */
  public List<Recorded> requests() {
    return List.copyOf(requests);
  }

  /** Every request received, recorded or not. */
  public int requestCount() {
    return (int) requestCount.get();
  }

  /**
   * Stops keeping requests for {@link #requests()} (counted still): for load runs, where thousands
   * of recorded conversations would fill the heap.
   */
  public FakeBedrock withoutRecording() {
    recording = false;
    return this;
  }

  /**
   * Waits up to {@code millis} for a trickling stream ({@link Reply#trickleAfter}) whose client
   * went away: a write to it failed. Each such stream is counted once, and taken by one call.
   */
  public boolean awaitAbandoned(long millis) throws InterruptedException {
    return abandoned.tryAcquire(millis, TimeUnit.MILLISECONDS);
  }

  /** Stops the server; stalled and delayed answers drop their connections. */
  @Override
  public void close() {
    if (closed.getCount() == 0) {
      return;
    }
    closed.countDown();
    server.close();
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] bytes = exchange.getRequestBody().readAllBytes();
    String[] path = exchange.getRequestURI().getRawPath().split("/", -1);
    boolean known =
        "POST".equals(exchange.getRequestMethod())
            && path.length == 4
            && path[0].isEmpty()
            && "model".equals(path[1])
            && (CONVERSE.equals(path[3]) || CONVERSE_STREAM.equals(path[3]));
    if (!known) {
      sendError(exchange, 404, "UnknownOperationException", "no such operation");
      return;
    }
    JsonNode body;
    try {
      body = bytes.length == 0 ? Json.object() : Json.MAPPER.readTree(bytes);
    } catch (IOException e) {
      sendError(exchange, 400, "ValidationException", "the request body is not JSON");
      return;
    }
    String operation = path[3];
    String modelId = URLDecoder.decode(path[2], StandardCharsets.UTF_8);
    requestCount.incrementAndGet();
    if (recording) {
      requests.add(new Recorded(operation, modelId, body, headersOf(exchange.getRequestHeaders())));
    }

    Reply reply = replies.poll();
    if (reply == null) {
      reply = Reply.text("ok");
    }
    if (reply.delayMillis > 0 && awaitClose(reply.delayMillis)) {
      throw new ConnectionDropped();
    }
    if (reply.error != null) {
      sendError(exchange, reply.error.status(), reply.error.code(), reply.error.message());
      return;
    }
    Usage usage = reply.usageFor(body, cache);
    if (CONVERSE_STREAM.equals(operation)) {
      answerStream(exchange, reply, usage);
    } else {
      answerConverse(exchange, reply, usage);
    }
  }

  private void answerConverse(HttpExchange exchange, Reply reply, Usage usage) throws IOException {
    switch (reply.ending.kind()) {
      case EXCEPTION -> {
        String type = reply.ending.exceptionType();
        String code = Character.toUpperCase(type.charAt(0)) + type.substring(1);
        sendError(exchange, statusOf(type), code, reply.ending.message());
        return;
      }
      case CUT -> throw new ConnectionDropped();
      case STALL, TRICKLE -> {
        awaitClose(Long.MAX_VALUE);
        throw new ConnectionDropped();
      }
      case COMPLETE -> {}
    }
    ObjectNode response = Json.object();
    ObjectNode message = response.putObject("output").putObject("message");
    message.put("role", "assistant");
    ArrayNode content = message.putArray("content");
    for (Block block : reply.blocks()) {
      if (block instanceof Text text) {
        content.addObject().put("text", text.text());
      } else if (block instanceof ToolCall call) {
        ObjectNode toolUse = content.addObject().putObject("toolUse");
        toolUse.put("toolUseId", call.toolUseId()).put("name", call.name());
        toolUse.set("input", call.input());
      }
    }
    response.put("stopReason", reply.stopReasonOrDefault());
    response.set("usage", usage.toJson());
    response.putObject("metrics").put("latencyMs", 1);
    send(exchange, 200, response);
  }

  private void answerStream(HttpExchange exchange, Reply reply, Usage usage) throws IOException {
    if (reply.pacing != null) {
      answerPaced(exchange, reply.pacing, reply.stopReasonOrDefault(), usage);
      return;
    }
    List<byte[]> frames = new ArrayList<>();
    for (Message frame : reply.streamFrames(usage)) {
      frames.add(frame.toByteBuffer().array());
    }
    Ending.Kind kind = reply.ending.kind();
    int count =
        kind == Ending.Kind.COMPLETE
            ? frames.size()
            : Math.min(reply.ending.events(), frames.size());
    // A cut or stalled answer announces the length of the whole stream: over HTTP/1.1 the SDK takes
    // a chunked body that ends without its final chunk as complete, but checks a Content-Length.
    long length = 0;
    if (kind == Ending.Kind.CUT || kind == Ending.Kind.STALL) {
      for (byte[] frame : frames) {
        length += frame.length;
      }
    }
    exchange.getResponseHeaders().set("Content-Type", EVENT_STREAM);
    exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
    exchange.sendResponseHeaders(200, length);
    OutputStream out = exchange.getResponseBody();
    for (byte[] frame : frames.subList(0, count)) {
      out.write(frame);
      out.flush();
    }
    switch (kind) {
      case COMPLETE -> out.close();
      case EXCEPTION -> {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":message-type", HeaderValue.fromString("exception"));
        headers.put(":exception-type", HeaderValue.fromString(reply.ending.exceptionType()));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        ObjectNode payload = Json.object().put("message", reply.ending.message());
        out.write(
            new Message(headers, Json.MAPPER.writeValueAsBytes(payload)).toByteBuffer().array());
        out.close();
      }
      case CUT -> throw new ConnectionDropped();
      case STALL -> {
        awaitClose(Long.MAX_VALUE);
        throw new ConnectionDropped();
      }
      case TRICKLE -> trickle(out, reply.ending.everyMillis());
    }
  }

  /**
   * A stream of {@link Reply#paced} text: each delta made just before it is written, {@code
   * everyMillis} after the one before; a failed write (the client went away) drops the connection.
   */
  private void answerPaced(HttpExchange exchange, Pacing pacing, String stopReason, Usage usage)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", EVENT_STREAM);
    exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    try {
      out.write(
          Reply.event("messageStart", Json.object().put("role", "assistant"))
              .toByteBuffer()
              .array());
      out.flush();
      for (int i = 0; i < pacing.pieces(); i++) {
        if (awaitClose(pacing.everyMillis())) {
          throw new ConnectionDropped();
        }
        ObjectNode delta = Json.object().put("contentBlockIndex", 0);
        delta.putObject("delta").put("text", pacing.piece().apply(i));
        out.write(Reply.event("contentBlockDelta", delta).toByteBuffer().array());
        out.flush();
      }
      out.write(
          Reply.event("contentBlockStop", Json.object().put("contentBlockIndex", 0))
              .toByteBuffer()
              .array());
      out.write(
          Reply.event("messageStop", Json.object().put("stopReason", stopReason))
              .toByteBuffer()
              .array());
      ObjectNode metadata = Json.object();
      metadata.set("usage", usage.toJson());
      metadata.putObject("metrics").put("latencyMs", 1);
      out.write(Reply.event("metadata", metadata).toByteBuffer().array());
      out.close();
    } catch (IOException e) {
      // the client went away: nothing more to write
      throw new ConnectionDropped();
    }
  }

  /**
   * One more text delta every {@code everyMillis} until a write fails (the client went away:
   * counted for {@link #awaitAbandoned}) or the fake closes.
   */
  private void trickle(OutputStream out, long everyMillis) {
    ObjectNode delta = Json.object().put("contentBlockIndex", 0);
    delta.putObject("delta").put("text", " more");
    byte[] more = Reply.event("contentBlockDelta", delta).toByteBuffer().array();
    while (!awaitClose(everyMillis)) {
      try {
        out.write(more);
        out.flush();
      } catch (IOException e) {
        abandoned.release();
        throw new ConnectionDropped();
      }
    }
    throw new ConnectionDropped();
  }

  /** Waits up to {@code millis} for {@link #close()}; true if the fake closed meanwhile. */
  private boolean awaitClose(long millis) {
    try {
      return closed.await(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  private static void sendError(HttpExchange exchange, int status, String code, String message)
      throws IOException {
    exchange.getResponseHeaders().set("x-amzn-ErrorType", code);
    send(exchange, status, Json.object().put("message", message).put("__type", code));
  }

  private static void send(HttpExchange exchange, int status, JsonNode json) throws IOException {
    byte[] bytes = Json.MAPPER.writeValueAsBytes(json);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** The HTTP status Bedrock reports a stream exception type with (research brief, section 5). */
  private static int statusOf(String exceptionType) {
    return switch (exceptionType) {
      case "validationException" -> 400;
      case "throttlingException" -> 429;
      case "modelStreamErrorException" -> 424;
      case "serviceUnavailableException" -> 503;
      default -> 500;
    };
  }

  private static Map<String, List<String>> headersOf(Headers headers) {
    Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach((name, values) -> copy.put(name, List.copyOf(values)));
    return Collections.unmodifiableMap(copy);
  }

  /**
   * Thrown from a handler to make the JDK server close the socket without finishing the response
   * (no final chunk): what a provider dying mid-answer looks like to the client.
   */
  private static final class ConnectionDropped extends RuntimeException {
    ConnectionDropped() {
      super("connection dropped on purpose", null, false, false);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Scripted replies

  private sealed interface Block permits Text, ToolCall {}

  private record Text(String text) implements Block {}

  private record ToolCall(String toolUseId, String name, JsonNode input) implements Block {}

  private record Failure(int status, String code, String message) {}

  /** A {@link Reply#paced} text: {@code pieces} deltas {@code everyMillis} apart. */
  private record Pacing(int pieces, long everyMillis, IntFunction<String> piece) {
    String joined() {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < pieces; i++) {
        b.append(piece.apply(i));
      }
      return b.toString();
    }
  }

  /**
   * How a reply ends: complete, or after {@code events} frames with an exception, cut, stall or an
   * endless trickle of text deltas {@code everyMillis} apart.
   */
  private record Ending(
      Kind kind, int events, String exceptionType, String message, long everyMillis) {
    enum Kind {
      COMPLETE,
      EXCEPTION,
      CUT,
      STALL,
      TRICKLE
    }

    static final Ending COMPLETE = new Ending(Kind.COMPLETE, 0, null, null, 0);
  }

  /** One scripted answer. Immutable: each method returns a changed copy. */
  public static final class Reply {
    private List<String> texts = List.of();
    private List<ToolCall> toolUses = List.of();
    private String stopReason;
    private Integer inputTokens;
    private Integer outputTokens;
    private Integer cacheRead;
    private Integer cacheWrite;
    private long delayMillis;
    private Failure error;
    private Ending ending = Ending.COMPLETE;
    private Pacing pacing;

    private Reply() {}

    /** A text answer; stop reason end_turn. */
    public static Reply text(String text) {
      return new Reply().andText(text);
    }

    /**
     * A text answer of {@code pieces} deltas, {@code everyMillis} apart on a stream, each made by
     * {@code piece} (given its index) just before it is written: a benchmark stamps the time it
     * left the fake in it. It is the whole answer (adding blocks or an ending fails); one output
     * token per piece. On converse: the pieces joined, made when the answer is.
     */
    public static Reply paced(int pieces, long everyMillis, IntFunction<String> piece) {
      if (pieces < 1 || everyMillis < 0) {
        throw new IllegalArgumentException("pieces must be positive, everyMillis not negative");
      }
      Reply reply = new Reply();
      reply.pacing = new Pacing(pieces, everyMillis, requireNonNull(piece, "piece"));
      return reply;
    }

    /** A tool use; stop reason tool_use. */
    public static Reply toolUse(String toolUseId, String name, JsonNode input) {
      return new Reply().andToolUse(toolUseId, name, input);
    }

    /** Adds a text block; text blocks come before tool uses in the answer. */
    public Reply andText(String text) {
      requireUnpaced();
      Reply copy = copy();
      copy.texts = append(texts, requireNonNull(text, "text"));
      return copy;
    }

    public Reply andToolUse(String toolUseId, String name, JsonNode input) {
      requireUnpaced();
      Reply copy = copy();
      JsonNode json = input == null ? Json.object() : input.deepCopy();
      copy.toolUses =
          append(
              toolUses,
              new ToolCall(
                  requireNonNull(toolUseId, "toolUseId"), requireNonNull(name, "name"), json));
      return copy;
    }

    /** Overrides the stop reason (default: tool_use with a tool use, else end_turn). */
    public Reply stopReason(String reason) {
      Reply copy = copy();
      copy.stopReason = requireNonNull(reason, "reason");
      return copy;
    }

    /** Overrides the counted input and output tokens. */
    public Reply usage(int input, int output) {
      Reply copy = copy();
      copy.inputTokens = input;
      copy.outputTokens = output;
      return copy;
    }

    /** Overrides the cache accounting (the fields are then reported even without cache points). */
    public Reply cacheUsage(int cacheRead, int cacheWrite) {
      Reply copy = copy();
      copy.cacheRead = cacheRead;
      copy.cacheWrite = cacheWrite;
      return copy;
    }

    /** Waits this long before answering (both operations); {@link #close()} cuts the wait short. */
    public Reply delayMillis(long ms) {
      if (ms < 0) {
        throw new IllegalArgumentException("delay must not be negative: " + ms);
      }
      Reply copy = copy();
      copy.delayMillis = ms;
      return copy;
    }

    /** A plain HTTP error: header x-amzn-ErrorType: code, body {"message":...,"__type":code}. */
    public static Reply error(int status, String code, String message) {
      Reply reply = new Reply();
      reply.error = new Failure(status, requireNonNull(code, "code"), message);
      return reply;
    }

    public static Reply throttled() {
      return error(429, "ThrottlingException", "Too many requests");
    }

    /**
     * Stream only: sends {@code events} event frames, then an exception frame of {@code
     * exceptionType} (lowerCamel, e.g. throttlingException). On converse: the plain HTTP error.
     */
    public Reply streamExceptionAfter(int events, String exceptionType, String message) {
      requireNonNull(exceptionType, "exceptionType");
      if (exceptionType.isEmpty()) {
        throw new IllegalArgumentException("exceptionType must not be empty");
      }
      return ending(new Ending(Ending.Kind.EXCEPTION, events, exceptionType, message, 0));
    }

    /** Stream only: sends {@code events} frames, then drops the connection with no final chunk. */
    public Reply cutAfter(int events) {
      return ending(new Ending(Ending.Kind.CUT, events, null, null, 0));
    }

    /** Stream only: sends {@code events} frames, then nothing until the fake is closed. */
    public Reply stallAfter(int events) {
      return ending(new Ending(Ending.Kind.STALL, events, null, null, 0));
    }

    /**
     * Stream only: sends {@code events} frames, then a text delta " more" (block 0) every {@code
     * everyMillis}, without end, until the client goes away ({@link FakeBedrock#awaitAbandoned}) or
     * the fake closes. On converse: no response until {@link #close()}.
     */
    public Reply trickleAfter(int events, long everyMillis) {
      if (everyMillis <= 0) {
        throw new IllegalArgumentException("everyMillis must be positive: " + everyMillis);
      }
      return ending(new Ending(Ending.Kind.TRICKLE, events, null, null, everyMillis));
    }

    private Reply ending(Ending ending) {
      requireUnpaced();
      if (ending.events() < 0) {
        throw new IllegalArgumentException("events must not be negative: " + ending.events());
      }
      Reply copy = copy();
      copy.ending = ending;
      return copy;
    }

    private Reply copy() {
      Reply copy = new Reply();
      copy.texts = texts;
      copy.toolUses = toolUses;
      copy.stopReason = stopReason;
      copy.inputTokens = inputTokens;
      copy.outputTokens = outputTokens;
      copy.cacheRead = cacheRead;
      copy.cacheWrite = cacheWrite;
      copy.delayMillis = delayMillis;
      copy.error = error;
      copy.ending = ending;
      copy.pacing = pacing;
      return copy;
    }

    private void requireUnpaced() {
      if (pacing != null) {
        throw new IllegalStateException("a paced reply is the whole answer");
      }
    }

    private List<Block> blocks() {
      List<Block> blocks = new ArrayList<>();
      if (pacing != null) {
        blocks.add(new Text(pacing.joined()));
      }
      texts.forEach(text -> blocks.add(new Text(text)));
      blocks.addAll(toolUses);
      return blocks;
    }

    private String stopReasonOrDefault() {
      if (stopReason != null) {
        return stopReason;
      }
      return toolUses.isEmpty() ? "end_turn" : "tool_use";
    }

    private Usage usageFor(JsonNode request, PromptCache cache) {
      Usage counted = cache.account(request);
      int output = toolUses.size() + (pacing == null ? 0 : pacing.pieces());
      for (String text : texts) {
        output += words(text);
      }
      return new Usage(
          inputTokens != null ? inputTokens : counted.input(),
          outputTokens != null ? outputTokens : output,
          cacheRead != null ? cacheRead : counted.cacheRead(),
          cacheWrite != null ? cacheWrite : counted.cacheWrite());
    }

    /** The event frames of a complete stream: start, each block's frames, stop, metadata. */
    private List<Message> streamFrames(Usage usage) {
      List<Message> frames = new ArrayList<>();
      frames.add(event("messageStart", Json.object().put("role", "assistant")));
      List<Block> blocks = blocks();
      for (int index = 0; index < blocks.size(); index++) {
        Block block = blocks.get(index);
        if (block instanceof Text text) {
          for (String chunk : wordChunks(text.text())) {
            ObjectNode delta = Json.object().put("contentBlockIndex", index);
            delta.putObject("delta").put("text", chunk);
            frames.add(event("contentBlockDelta", delta));
          }
        } else if (block instanceof ToolCall call) {
          ObjectNode start = Json.object().put("contentBlockIndex", index);
          start
              .putObject("start")
              .putObject("toolUse")
              .put("toolUseId", call.toolUseId())
              .put("name", call.name());
          frames.add(event("contentBlockStart", start));
          for (String fragment : halves(call.input().toString())) {
            ObjectNode delta = Json.object().put("contentBlockIndex", index);
            delta.putObject("delta").putObject("toolUse").put("input", fragment);
            frames.add(event("contentBlockDelta", delta));
          }
        }
        frames.add(event("contentBlockStop", Json.object().put("contentBlockIndex", index)));
      }
      frames.add(event("messageStop", Json.object().put("stopReason", stopReasonOrDefault())));
      ObjectNode metadata = Json.object();
      metadata.set("usage", usage.toJson());
      metadata.putObject("metrics").put("latencyMs", 1);
      frames.add(event("metadata", metadata));
      return frames;
    }

    private static Message event(String type, ObjectNode payload) {
      Map<String, HeaderValue> headers = new LinkedHashMap<>();
      headers.put(":message-type", HeaderValue.fromString("event"));
      headers.put(":event-type", HeaderValue.fromString(type));
      headers.put(":content-type", HeaderValue.fromString("application/json"));
      try {
        return new Message(headers, Json.MAPPER.writeValueAsBytes(payload));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** "It is sunny" becomes "It", " is", " sunny": about a word each, spaces kept. */
    private static List<String> wordChunks(String text) {
      return List.of(text.split("(?<=\\S)(?=\\s)"));
    }

    /** Two fragments (one for a single character), never splitting a surrogate pair. */
    private static List<String> halves(String json) {
      if (json.length() < 2) {
        return List.of(json);
      }
      int middle = json.length() / 2;
      if (Character.isHighSurrogate(json.charAt(middle - 1))) {
        middle++;
      }
      return middle >= json.length()
          ? List.of(json)
          : List.of(json.substring(0, middle), json.substring(middle));
    }

    private static <T> List<T> append(List<T> list, T item) {
      List<T> out = new ArrayList<>(list);
      out.add(item);
      return List.copyOf(out);
    }

    private static <T> T requireNonNull(T value, String name) {
      if (value == null) {
        throw new IllegalArgumentException(name + " must not be null");
      }
      return value;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Token counting

  /** Token counts of one answer; the cache fields are null when the request had no cache points. */
  private record Usage(int input, int output, Integer cacheRead, Integer cacheWrite) {
    ObjectNode toJson() {
      int read = cacheRead == null ? 0 : cacheRead;
      int write = cacheWrite == null ? 0 : cacheWrite;
      ObjectNode json = Json.object();
      json.put("inputTokens", input).put("outputTokens", output);
      json.put("totalTokens", input + output + read + write);
      if (cacheRead != null || cacheWrite != null) {
        json.put("cacheReadInputTokens", read).put("cacheWriteInputTokens", write);
      }
      return json;
    }
  }

  /** The prefixes seen so far, and the accounting of a request against them (class javadoc). */
  private static final class PromptCache {
    private final Set<String> seen = new HashSet<>();

    synchronized Usage account(JsonNode request) {
      int total = inputWords(request);
      List<JsonNode> prefixes = prefixes(request);
      if (prefixes.isEmpty()) {
        return new Usage(total, 0, null, null);
      }
      List<String> hashes = new ArrayList<>();
      prefixes.forEach(prefix -> hashes.add(sha256(prefix)));
      int last = prefixes.size() - 1;
      int lastTokens = inputWords(prefixes.get(last));
      int read = 0;
      for (int i = last; i >= 0; i--) {
        if (seen.contains(hashes.get(i))) {
          read = inputWords(prefixes.get(i));
          break;
        }
      }
      seen.addAll(hashes);
      return new Usage(total - lastTokens, 0, read, lastTokens - read);
    }

    /** One request-shaped JSON per cache point: what precedes it, cache points left out. */
    private static List<JsonNode> prefixes(JsonNode request) {
      List<JsonNode> prefixes = new ArrayList<>();
      JsonNode toolConfig = request.path("toolConfig");
      JsonNode tools = toolConfig.path("tools");
      for (int i = 0; i < tools.size(); i++) {
        if (tools.get(i).has("cachePoint")) {
          ObjectNode prefix = Json.object();
          prefix.putObject("toolConfig").set("tools", withoutCachePoints(tools, i));
          prefixes.add(prefix);
        }
      }
      ObjectNode head = Json.object();
      if (toolConfig.isObject()) {
        ObjectNode config = toolConfig.deepCopy();
        if (tools.isArray()) {
          config.set("tools", withoutCachePoints(tools, tools.size()));
        }
        head.set("toolConfig", config);
      }
      JsonNode system = request.path("system");
      for (int i = 0; i < system.size(); i++) {
        if (system.get(i).has("cachePoint")) {
          prefixes.add(head.deepCopy().set("system", withoutCachePoints(system, i)));
        }
      }
      if (system.isArray()) {
        head.set("system", withoutCachePoints(system, system.size()));
      }
      JsonNode messages = request.path("messages");
      ArrayNode before = JsonNodeFactory.instance.arrayNode();
      for (JsonNode message : messages) {
        JsonNode content = message.path("content");
        for (int i = 0; i < content.size(); i++) {
          if (content.get(i).has("cachePoint")) {
            ArrayNode upTo = before.deepCopy();
            upTo.add(withContent(message, withoutCachePoints(content, i)));
            prefixes.add(head.deepCopy().set("messages", upTo));
          }
        }
        before.add(withContent(message, withoutCachePoints(content, content.size())));
      }
      return prefixes;
    }

    private static ObjectNode withContent(JsonNode message, ArrayNode content) {
      ObjectNode copy = message.deepCopy();
      copy.set("content", content);
      return copy;
    }

    private static ArrayNode withoutCachePoints(JsonNode blocks, int end) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      for (int i = 0; i < end; i++) {
        if (!blocks.get(i).has("cachePoint")) {
          out.add(blocks.get(i).deepCopy());
        }
      }
      return out;
    }

    private static String sha256(JsonNode prefix) {
      try {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        return HexFormat.of().formatHex(digest.digest(Json.canonicalBytes(prefix)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Input tokens of a request (or of a prefix shaped like one), as the class javadoc counts. */
  static int inputWords(JsonNode request) {
    int count = 0;
    JsonNode toolConfig = request.path("toolConfig");
    if (!toolConfig.isMissingNode() && !toolConfig.isNull()) {
      count += words(toolConfig.toString());
    }
    for (JsonNode block : request.path("system")) {
      count += words(block.path("text").asText(""));
    }
    for (JsonNode message : request.path("messages")) {
      for (JsonNode block : message.path("content")) {
        count += words(block.path("text").asText(""));
        JsonNode input = block.path("toolUse").path("input");
        if (!input.isMissingNode()) {
          count += words(input.toString());
        }
        for (JsonNode item : block.path("toolResult").path("content")) {
          count += words(item.path("text").asText(""));
          if (item.has("json")) {
            count += words(item.get("json").toString());
          }
        }
      }
    }
    return count;
  }

  /** Maximal runs of non-whitespace characters. */
  static int words(String text) {
    int count = 0;
    boolean inWord = false;
    for (int i = 0; i < text.length(); i++) {
      boolean space = Character.isWhitespace(text.charAt(i));
      if (!space && !inWord) {
        count++;
      }
      inWord = !space;
    }
    return count;
  }
}

package io.statehouse.runtime.model.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.testing.LoopbackServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A fake OpenAI-compatible chat-completions server on loopback, for tests. It serves {@code POST
 * /v1/chat/completions}: a request whose body says {@code "stream": true} gets server-sent events
 * shaped like OpenAI's ({@code chat.completion.chunk}s: a role chunk, text one word per chunk, tool
 * calls by index with their arguments split, a finish chunk, a usage chunk, {@code data: [DONE]}),
 * any other a {@code chat.completion} JSON body. Each request takes the next scripted {@link Reply}
 * (with none left, {@code Reply.text("ok")}) and is {@linkplain #requests() recorded} first.
 *
 * <p>A stream's bytes can be written in pieces of any size ({@link Reply#splitEvery}), each flushed
 * on its own, so that chunk boundaries fall inside events, JSON tokens and UTF-8 characters. A
 * stream can end early: dropped ({@link Reply#cutAfter}), ended cleanly but unfinished ({@link
 * Reply#unfinished}), or left silent ({@link Reply#stallAfter}); or go on without end ({@link
 * Reply#trickleAfter}) until its client goes away, which {@link #awaitAbandoned} reports.
 */
public final class FakeOpenAi implements AutoCloseable {

  private static final String PATH = "/v1/chat/completions";

  /** What the client sent. Header names are case-insensitive. */
  public record Recorded(String path, JsonNode body, Map<String, List<String>> headers) {
    public Optional<String> header(String name) {
      List<String> values = headers.get(name);
      return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }
  }

  private final LoopbackServer server;
  private final Queue<Reply> replies = new ConcurrentLinkedQueue<>();
  private final List<Recorded> requests = new CopyOnWriteArrayList<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Semaphore abandoned = new Semaphore(0);

  private FakeOpenAi() {
    this.server = LoopbackServer.start("fake-openai", 8, this::handle);
  }

  /** Starts a fake on 127.0.0.1 and an ephemeral port. */
  public static FakeOpenAi start() {
    return new FakeOpenAi();
  }

  /** What to give the client as {@code baseUrl}: http://127.0.0.1:port/v1. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.port() + "/v1";
  }

  public int port() {
    return server.port();
  }

  /** Scripts the next answers; consumed in order, one per request. */
  public FakeOpenAi enqueue(Reply... more) {
    replies.addAll(List.of(more));
    return this;
  }

  public List<Recorded> requests() {
    return List.copyOf(requests);
  }

  public int requestCount() {
    return requests.size();
  }

  public Recorded last() {
    return requests.get(requests.size() - 1);
  }

  /**
   * Waits up to {@code millis} for a trickling stream ({@link Reply#trickleAfter}) whose client
   * went away: a write to it failed. Each such stream is counted once, and taken by one call.
   */
  public boolean awaitAbandoned(long millis) throws InterruptedException {
    return abandoned.tryAcquire(millis, TimeUnit.MILLISECONDS);
  }

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
    String path = exchange.getRequestURI().getRawPath();
    if (!"POST".equals(exchange.getRequestMethod()) || !PATH.equals(path)) {
      send(exchange, 404, "application/json", error("no such route").toString().getBytes(UTF8));
      return;
    }
    JsonNode body;
    try {
      body = Json.MAPPER.readTree(bytes);
    } catch (IOException e) {
      send(exchange, 400, "application/json", error("not JSON").toString().getBytes(UTF8));
      return;
    }
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, List.copyOf(v)));
    requests.add(new Recorded(path, body, Collections.unmodifiableMap(headers)));

    Reply reply = replies.poll();
    if (reply == null) {
      reply = Reply.text("ok");
    }
    reply.headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    if (reply.raw != null) {
      send(exchange, reply.status, reply.contentType, reply.raw);
    } else if (reply.status != 200) {
      send(
          exchange,
          reply.status,
          "application/json",
          error(reply.message).toString().getBytes(UTF8));
    } else if (body.path("stream").asBoolean(false)) {
      stream(exchange, reply);
    } else {
      send(exchange, 200, "application/json", reply.completion().toString().getBytes(UTF8));
    }
  }

  private void stream(HttpExchange exchange, Reply reply) throws IOException {
    List<String> events = reply.events();
    int count = reply.eventsSent < 0 ? events.size() : Math.min(reply.eventsSent, events.size());
    StringBuilder sse = new StringBuilder();
    for (String e : events.subList(0, count)) {
      sse.append("data: ").append(e).append("\n\n");
    }
    byte[] bytes = sse.toString().getBytes(UTF8);
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    int step = reply.splitEvery <= 0 ? Math.max(1, bytes.length) : reply.splitEvery;
    for (int i = 0; i < bytes.length; i += step) {
      out.write(bytes, i, Math.min(step, bytes.length - i));
      out.flush();
    }
    switch (reply.ending) {
      case COMPLETE, UNFINISHED -> out.close();
      case CUT -> throw new ConnectionDropped();
      case STALL -> {
        awaitClose();
        throw new ConnectionDropped();
      }
      case TRICKLE -> trickle(out, reply.trickleEveryMillis);
    }
  }

  /**
   * One more content chunk every {@code everyMillis} until a write fails (the client went away:
   * counted for {@link #awaitAbandoned}) or the fake closes.
   */
  private void trickle(OutputStream out, long everyMillis) {
    byte[] more = ("data: " + Reply.delta(d -> d.put("content", " more")) + "\n\n").getBytes(UTF8);
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

  private void awaitClose() {
    awaitClose(60_000);
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

  private static void send(HttpExchange exchange, int status, String type, byte[] bytes)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static ObjectNode error(String message) {
    ObjectNode e = Json.object();
    e.putObject("error").put("message", message).put("type", "invalid_request_error");
    return e;
  }

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

  /**
   * Thrown from a handler to make the JDK server close the socket without finishing the response
   * (no final chunk): what a server dying mid-answer looks like to the client.
   */
  private static final class ConnectionDropped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ConnectionDropped() {
      super("connection dropped on purpose", null, false, false);
    }
  }

  private record Call(String id, String name, String arguments) {}

  private enum Ending {
    COMPLETE,
    UNFINISHED,
    CUT,
    STALL,
    TRICKLE
  }

  /** One scripted answer. Each method returns a changed copy. */
  public static final class Reply {
    private String text = "";
    private List<Call> calls = List.of();
    private String finish;
    private int promptTokens = 12;
    private int completionTokens = 5;
    private int cachedTokens;
    private int argumentPieces = 1;
    private boolean interleaved;
    private int splitEvery;
    private int eventsSent = -1;
    private Ending ending = Ending.COMPLETE;
    private long trickleEveryMillis;
    private List<String> rawEvents;
    private int status = 200;
    private String message;
    private String contentType;
    private byte[] raw;
    private Map<String, String> headers = Map.of();

    private Reply() {}

    /** A text answer, streamed one word per chunk; finish_reason stop. */
    public static Reply text(String text) {
      Reply r = new Reply();
      r.text = text;
      return r;
    }

    /** A stream of exactly these {@code data:} payloads (JSON texts or [DONE]), in order. */
    public static Reply events(String... payloads) {
      Reply r = new Reply();
      r.rawEvents = List.of(payloads);
      return r;
    }

    /** An HTTP error with an OpenAI error body: {"error": {"message": ...}}. */
    public static Reply status(int status, String message) {
      Reply r = new Reply();
      r.status = status;
      r.message = message;
      return r;
    }

    /** Any status and body, as is. */
    public static Reply raw(int status, String contentType, byte[] body) {
      Reply r = new Reply();
      r.status = status;
      r.contentType = contentType;
      r.raw = body.clone();
      return r;
    }

    /** Adds a tool call; finish_reason becomes tool_calls. */
    public Reply toolCall(String id, String name, String argumentsJson) {
      Reply r = copy();
      List<Call> more = new ArrayList<>(calls);
      more.add(new Call(id, name, argumentsJson));
      r.calls = List.copyOf(more);
      return r;
    }

    public Reply finish(String reason) {
      Reply r = copy();
      r.finish = reason;
      return r;
    }

    public Reply usage(int prompt, int completion, int cached) {
      Reply r = copy();
      r.promptTokens = prompt;
      r.completionTokens = completion;
      r.cachedTokens = cached;
      return r;
    }

    /** Each tool call's arguments split into {@code n} pieces of about equal length. */
    public Reply argumentPieces(int n) {
      Reply r = copy();
      r.argumentPieces = n;
      return r;
    }

    /** The argument chunks of the tool calls alternate between the calls. */
    public Reply interleaved() {
      Reply r = copy();
      r.interleaved = true;
      return r;
    }

    /** Writes the stream's bytes {@code bytes} at a time, flushing each piece. */
    public Reply splitEvery(int bytes) {
      Reply r = copy();
      r.splitEvery = bytes;
      return r;
    }

    /** Sends the first {@code events} events, then drops the connection. */
    public Reply cutAfter(int events) {
      Reply r = copy();
      r.eventsSent = events;
      r.ending = Ending.CUT;
      return r;
    }

    /** Sends the first {@code events} events, then ends the response normally. */
    public Reply unfinished(int events) {
      Reply r = copy();
      r.eventsSent = events;
      r.ending = Ending.UNFINISHED;
      return r;
    }

    /** Sends the first {@code events} events, then nothing until the fake closes. */
    public Reply stallAfter(int events) {
      Reply r = copy();
      r.eventsSent = events;
      r.ending = Ending.STALL;
      return r;
    }

    /**
     * Sends the first {@code events} events, then a content chunk " more" every {@code
     * everyMillis}, without end, until the client goes away ({@link FakeOpenAi#awaitAbandoned}) or
     * the fake closes.
     */
    public Reply trickleAfter(int events, long everyMillis) {
      if (everyMillis <= 0) {
        throw new IllegalArgumentException("everyMillis must be positive: " + everyMillis);
      }
      Reply r = copy();
      r.eventsSent = events;
      r.ending = Ending.TRICKLE;
      r.trickleEveryMillis = everyMillis;
      return r;
    }

    public Reply header(String name, String value) {
      Reply r = copy();
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put(name, value);
      r.headers = Map.copyOf(h);
      return r;
    }

    private String finishReason() {
      return finish != null ? finish : calls.isEmpty() ? "stop" : "tool_calls";
    }

    private ObjectNode usageJson() {
      ObjectNode u = Json.object();
      u.put("prompt_tokens", promptTokens)
          .put("completion_tokens", completionTokens)
          .put("total_tokens", promptTokens + completionTokens);
      u.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
      return u;
    }

    /** The whole answer as a chat.completion. */
    ObjectNode completion() {
      ObjectNode c = Json.object().put("id", "chatcmpl-fake").put("object", "chat.completion");
      ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
      ObjectNode message = choice.putObject("message").put("role", "assistant");
      if (text.isEmpty()) {
        message.putNull("content");
      } else {
        message.put("content", text);
      }
      if (!calls.isEmpty()) {
        ArrayNode tc = message.putArray("tool_calls");
        for (Call call : calls) {
          ObjectNode o = tc.addObject().put("id", call.id()).put("type", "function");
          o.putObject("function").put("name", call.name()).put("arguments", call.arguments());
        }
      }
      choice.put("finish_reason", finishReason());
      c.set("usage", usageJson());
      return c;
    }

    /** The stream's data payloads, [DONE] last. */
    List<String> events() {
      if (rawEvents != null) {
        return rawEvents;
      }
      List<String> out = new ArrayList<>();
      ObjectNode role = chunk();
      ((ArrayNode) role.get("choices"))
          .addObject()
          .put("index", 0)
          .putNull("finish_reason")
          .putObject("delta")
          .put("role", "assistant")
          .put("content", "");
      out.add(role.toString());
      for (String word : words(text)) {
        out.add(delta(d -> d.put("content", word)).toString());
      }
      List<List<ObjectNode>> perCall = new ArrayList<>();
      for (int i = 0; i < calls.size(); i++) {
        Call call = calls.get(i);
        int index = i;
        List<ObjectNode> chunks = new ArrayList<>();
        chunks.add(
            delta(
                d -> {
                  ObjectNode tc = d.putArray("tool_calls").addObject();
                  tc.put("index", index).put("id", call.id()).put("type", "function");
                  tc.putObject("function").put("name", call.name()).put("arguments", "");
                }));
        for (String piece : pieces(call.arguments(), argumentPieces)) {
          chunks.add(
              delta(
                  d -> {
                    ObjectNode tc = d.putArray("tool_calls").addObject().put("index", index);
                    tc.putObject("function").put("arguments", piece);
                  }));
        }
        perCall.add(chunks);
      }
      if (interleaved) {
        int longest = perCall.stream().mapToInt(List::size).max().orElse(0);
        for (int k = 0; k < longest; k++) {
          for (List<ObjectNode> chunks : perCall) {
            if (k < chunks.size()) {
              out.add(chunks.get(k).toString());
            }
          }
        }
      } else {
        perCall.forEach(chunks -> chunks.forEach(c -> out.add(c.toString())));
      }
      ObjectNode fin = chunk();
      ((ArrayNode) fin.get("choices"))
          .addObject()
          .put("index", 0)
          .put("finish_reason", finishReason())
          .putObject("delta");
      out.add(fin.toString());
      ObjectNode usage = chunk();
      usage.putArray("choices");
      usage.set("usage", usageJson());
      out.add(usage.toString());
      out.add("[DONE]");
      return out;
    }

    private static ObjectNode chunk() {
      ObjectNode c =
          Json.object().put("id", "chatcmpl-fake").put("object", "chat.completion.chunk");
      c.putArray("choices");
      return c;
    }

    private static ObjectNode delta(java.util.function.Consumer<ObjectNode> fill) {
      ObjectNode c = chunk();
      ObjectNode choice = ((ArrayNode) c.get("choices")).addObject().put("index", 0);
      fill.accept(choice.putObject("delta"));
      choice.putNull("finish_reason");
      return c;
    }

    /** Words with the space before them: "one two" is "one", " two". */
    private static List<String> words(String text) {
      List<String> out = new ArrayList<>();
      int start = 0;
      for (int i = 1; i <= text.length(); i++) {
        if (i == text.length() || text.charAt(i) == ' ') {
          if (i > start) {
            out.add(text.substring(start, i));
          }
          start = i;
        }
      }
      return out;
    }

    private static List<String> pieces(String s, int n) {
      List<String> out = new ArrayList<>();
      int size = Math.max(1, (s.length() + n - 1) / Math.max(1, n));
      for (int i = 0; i < s.length(); i += size) {
        out.add(s.substring(i, Math.min(s.length(), i + size)));
      }
      return out;
    }

    private Reply copy() {
      Reply r = new Reply();
      r.text = text;
      r.calls = calls;
      r.finish = finish;
      r.promptTokens = promptTokens;
      r.completionTokens = completionTokens;
      r.cachedTokens = cachedTokens;
      r.argumentPieces = argumentPieces;
      r.interleaved = interleaved;
      r.splitEvery = splitEvery;
      r.eventsSent = eventsSent;
      r.ending = ending;
      r.trickleEveryMillis = trickleEveryMillis;
      r.rawEvents = rawEvents;
      r.status = status;
      r.message = message;
      r.contentType = contentType;
      r.raw = raw;
      r.headers = headers;
      return r;
    }
  }
}

package io.statehouse.api.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A live-stream client for tests: Server-Sent Events over the JDK HTTP client, or a WebSocket.
 * Frames are collected as they arrive, in order, as {@link Frame}s.
 */
public final class StreamClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * One frame: {@code kind} is the SSE event name ({@code delta}, {@code end}, an event type) or,
   * over a WebSocket, the message's {@code type} ({@code event}, {@code delta}, {@code ack}, …);
   * {@code seq} the event's sequence number (0 for other frames).
   */
  public record Frame(String kind, long seq, JsonNode data, JsonNode raw) {
    public boolean isEvent() {
      return seq > 0;
    }

    /** The event type of an event frame (SSE event name, or the WebSocket data's type). */
    public String eventType() {
      return data.path("type").asText(kind);
    }
  }

  private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  private final List<Frame> seen = new ArrayList<>();
  private volatile AutoCloseable connection;
  private volatile WebSocket socket;
  private volatile int status;
  private final CompletableFuture<Void> ended = new CompletableFuture<>();

  private StreamClient() {}

  /** Opens {@code GET path} as SSE with {@code key} (null: none) and optional Last-Event-ID. */
  public static StreamClient sse(int port, String path, String key, Long lastEventId)
      throws Exception {
    StreamClient c = new StreamClient();
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Accept", "text/event-stream")
            .GET();
    if (key != null) {
      req.header("Authorization", "Bearer " + key);
    }
    if (lastEventId != null) {
      req.header("Last-Event-ID", String.valueOf(lastEventId));
    }
    HttpResponse<InputStream> r = HTTP.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
    c.status = r.statusCode();
    InputStream body = r.body();
    c.connection = body;
    Thread reader = new Thread(() -> c.readSse(body), "sse-client");
    reader.setDaemon(true);
    reader.start();
    return c;
  }

  private void readSse(InputStream body) {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String event = null;
      long id = 0;
      StringBuilder data = new StringBuilder();
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) {
          if (event != null || data.length() > 0) {
            JsonNode json = data.length() == 0 ? null : JSON.readTree(data.toString());
            frames.add(new Frame(event == null ? "message" : event, id, json, json));
          }
          event = null;
          id = 0;
          data.setLength(0);
        } else if (line.startsWith(":")) {
          frames.add(new Frame("heartbeat", 0, null, null));
        } else if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("id: ")) {
          id = Long.parseLong(line.substring(4));
        } else if (line.startsWith("data: ")) {
          data.append(line.substring(6));
        }
      }
    } catch (Exception e) {
      // the connection closed
    } finally {
      ended.complete(null);
    }
  }

  /** Opens a WebSocket at {@code path} with {@code key} as bearer header (null: none). */
  public static StreamClient ws(int port, String path, String key) throws Exception {
    StreamClient c = new StreamClient();
    WebSocket.Builder b = HTTP.newWebSocketBuilder();
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    c.socket =
        b.buildAsync(URI.create("ws://127.0.0.1:" + port + path), c.new Listener())
            .get(10, TimeUnit.SECONDS);
    c.status = 101;
    return c;
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        try {
          JsonNode m = JSON.readTree(text.toString());
          JsonNode d = m.path("data");
          frames.add(new Frame(m.path("type").asText(), d.path("seq").asLong(0), d, m));
        } catch (Exception e) {
          frames.add(new Frame("unparsable", 0, null, null));
        }
        text.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      ended.complete(null);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      ended.complete(null);
    }
  }

  public int status() {
    return status;
  }

  /** Sends a WebSocket text message. */
  public void send(String json) throws Exception {
    socket.sendText(json, true).get(5, TimeUnit.SECONDS);
  }

  /** The next frame, waiting up to {@code within}; fails the test if none comes. */
  public Frame next(Duration within) throws InterruptedException {
    Frame f = frames.poll(within.toMillis(), TimeUnit.MILLISECONDS);
    if (f == null) {
      // an end frame says why the stream ended: the first thing to know when this fails
      String ended =
          seen.stream()
              .filter(x -> x.kind().equals("end"))
              .map(x -> " (ended: " + x.data() + ")")
              .findFirst()
              .orElse("");
      throw new AssertionError("no frame within " + within + ended + "; seen so far: " + kinds());
    }
    seen.add(f);
    return f;
  }

  /** Frames up to and including the first that matches, heartbeats left out. */
  public List<Frame> until(Predicate<Frame> last, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    List<Frame> out = new ArrayList<>();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no matching frame within " + within + "; got " + kindsOf(out));
      }
      Frame f = next(Duration.ofNanos(left));
      if (f.kind().equals("heartbeat")) {
        continue;
      }
      out.add(f);
      if (last.test(f)) {
        return out;
      }
    }
  }

  /** Until the event of type {@code type}. */
  public List<Frame> untilEvent(String type, Duration within) throws InterruptedException {
    return until(f -> f.isEvent() && f.eventType().equals(type), within);
  }

  /** Every frame received so far and not yet taken, heartbeats left out, without waiting. */
  public List<Frame> drain() {
    List<Frame> out = new ArrayList<>();
    Frame f;
    while ((f = frames.poll()) != null) {
      seen.add(f);
      if (!f.kind().equals("heartbeat")) {
        out.add(f);
      }
    }
    return out;
  }

  public boolean endedWithin(Duration d) {
    try {
      ended.get(d.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  public List<String> kinds() {
    return kindsOf(seen);
  }

  static List<String> kindsOf(List<Frame> fs) {
    return fs.stream().map(f -> f.isEvent() ? f.eventType() + "#" + f.seq() : f.kind()).toList();
  }

  @Override
  public void close() throws Exception {
    if (socket != null) {
      socket.abort();
    }
    if (connection != null) {
      connection.close();
    }
  }
}

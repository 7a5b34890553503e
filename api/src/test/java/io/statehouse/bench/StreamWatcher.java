package io.statehouse.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One WebSocket client of a session's live stream, kept as small as the JDK client allows: it holds
 * counters, and latency samples only when it is given a place for them. A delta's text is a run of
 * stamps ({@link #stamp()}), the time the fake model wrote each piece; on arrival the watcher
 * records its own time minus each stamp in the frame (a frame holds several when the node joined
 * the deltas of a client that fell behind, and each of them waited that long).
 */
final class StreamWatcher implements WebSocket.Listener {
  /** The origin of stamps: nanoTime itself may be negative, a difference from it is not. */
  private static final long ORIGIN = System.nanoTime();

  private static final String DELTA = "{\"type\":\"delta\"";
  private static final String HEARTBEAT = "{\"type\":\"heartbeat\"";
  private static final String END = "{\"type\":\"end\"";
  private static final String TEXT_FIELD = "\"text\":\"";
  private static final String TURN_COMPLETED = "\"type\":\"TurnCompleted\"";

  private final AtomicBoolean recording;
  private final LongSamples samples;
  // a message that arrives in parts; null while none is pending (most watchers never need one)
  private StringBuilder partial;
  private volatile long pieces;
  private volatile int turnsCompleted;
  private volatile int heartbeats;
  private volatile long lastHeartbeat;
  private volatile boolean ended;

  /**
   * {@code samples}: where latencies go while {@code recording} is set (null: none are kept, for
   * the idle connections).
   */
  StreamWatcher(AtomicBoolean recording, LongSamples samples) {
    this.recording = recording;
    this.samples = samples;
  }

  /** A piece of text that carries the time it was made. */
  static String stamp() {
    return " t" + (System.nanoTime() - ORIGIN);
  }

  /** Opens a watcher's socket at {@code uri} with {@code key} as bearer. */
  static CompletableFuture<WebSocket> open(
      HttpClient http, URI uri, String key, StreamWatcher watcher) {
    return http.newWebSocketBuilder()
        .header("Authorization", "Bearer " + key)
        .buildAsync(uri, watcher);
  }

  @Override
  public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
    long now = System.nanoTime() - ORIGIN;
    if (!last) {
      if (partial == null) {
        partial = new StringBuilder();
      }
      partial.append(data);
      ws.request(1);
      return null;
    }
    String message;
    if (partial != null) {
      message = partial.append(data).toString();
      partial = null;
    } else {
      message = data.toString();
    }
    if (message.startsWith(DELTA)) {
      delta(message, now);
    } else if (message.startsWith(HEARTBEAT)) {
      heartbeats++;
      lastHeartbeat = System.nanoTime();
    } else if (message.startsWith(END)) {
      ended = true;
    } else if (message.contains(TURN_COMPLETED)) {
      turnsCompleted++;
    }
    ws.request(1);
    return null;
  }

  /** Counts the stamps of a text delta and, while recording, how long each took to arrive. */
  private void delta(String message, long now) {
    int at = message.indexOf(TEXT_FIELD);
    if (at < 0) {
      return;
    }
    boolean keep = samples != null && recording.get();
    long count = 0;
    int i = at + TEXT_FIELD.length();
    while (i < message.length() && message.charAt(i) != '"') {
      if (message.charAt(i) == 't') {
        long stamp = 0;
        int j = i + 1;
        while (j < message.length() && Character.isDigit(message.charAt(j))) {
          stamp = stamp * 10 + (message.charAt(j) - '0');
          j++;
        }
        if (j > i + 1) {
          count++;
          if (keep) {
            samples.add(now - stamp);
          }
        }
        i = j;
      } else {
        i++;
      }
    }
    pieces += count;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
    ended = true;
    return null;
  }

  @Override
  public void onError(WebSocket ws, Throwable error) {
    ended = true;
  }

  /** The stamps received so far, recorded or not. */
  long pieces() {
    return pieces;
  }

  int turnsCompleted() {
    return turnsCompleted;
  }

  int heartbeats() {
    return heartbeats;
  }

  /** nanoTime of the last heartbeat, 0 before the first. */
  long lastHeartbeat() {
    return lastHeartbeat;
  }

  /** The node ended the stream (an end frame, a close) or the connection failed. */
  boolean ended() {
    return ended;
  }

  /**
   * The latency of each stamp in {@code text}, as the baseline's sink sees it: {@code now} minus
   * the stamp, both on this JVM's clock.
   */
  static List<Long> latencies(String text, long nowNanoTime) {
    long now = nowNanoTime - ORIGIN;
    List<Long> out = new ArrayList<>();
    for (String part : text.split(" t")) {
      if (!part.isEmpty() && part.chars().allMatch(Character::isDigit)) {
        out.add(now - Long.parseLong(part));
      }
    }
    return out;
  }

  /** Samples in nanoseconds, added from any thread. */
  static final class LongSamples {
    private long[] values = new long[1024];
    private int size;

    synchronized void add(long v) {
      if (size == values.length) {
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    synchronized void addAll(List<Long> vs) {
      vs.forEach(this::add);
    }

    synchronized int size() {
      return size;
    }

    synchronized void clear() {
      size = 0;
    }

    /** Every sample of {@code all}, as the harness's {@link Stats} takes them. */
    static Stats stats(List<LongSamples> all) {
      List<Long> out = new ArrayList<>();
      for (LongSamples s : all) {
        synchronized (s) {
          for (int i = 0; i < s.size; i++) {
            out.add(s.values[i]);
          }
        }
      }
      return new Stats(out);
    }
  }
}

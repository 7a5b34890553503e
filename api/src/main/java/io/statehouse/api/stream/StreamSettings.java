package io.statehouse.api.stream;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Live streams, from {@code statehouse.api.streams}.
 *
 * @param clientBuffer items one client may have waiting in its queue; beyond them, up to {@code
 *     clientBufferChars} characters more wait (deltas of one answer joined into one); a client that
 *     falls further behind is closed with {@code slow_consumer} and resumes with Last-Event-ID
 * @param clientBufferChars see {@code clientBuffer}
 * @param heartbeat a heartbeat frame is sent after this long without another
 * @param watchTimeout how long the hub waits for a session to accept its watch
 * @param rewatchMin after a watched session stopped (its node died, it moved), the hub watches it
 *     again after this long, backing off up to {@code rewatchMax} while it does not answer
 * @param rewatchMaxAttempts after this many failed watches in a row, the clients of the session end
 *     with {@code unavailable} (they resume with Last-Event-ID once it is back)
 * @param maxInboundChars the longest WebSocket message a client may send
 * @param stalledAfter a client that takes nothing for this long (its connection is stuck) is cut
 *     off, even before its buffer fills
 */
public record StreamSettings(
    int clientBuffer,
    long clientBufferChars,
    Duration heartbeat,
    Duration watchTimeout,
    Duration rewatchMin,
    Duration rewatchMax,
    int rewatchMaxAttempts,
    int maxInboundChars,
    Duration stalledAfter) {

  public StreamSettings {
    if (clientBuffer < 16 || clientBuffer > 100_000) {
      throw new IllegalArgumentException(
          "statehouse.api.streams.client-buffer must be between 16 and 100000, not "
              + clientBuffer);
    }
  }

  public static StreamSettings fromConfig(Config root) {
    Config c = root.getConfig("statehouse.api.streams");
    return new StreamSettings(
        c.getInt("client-buffer"),
        c.getBytes("client-buffer-chars"),
        c.getDuration("heartbeat"),
        c.getDuration("watch-timeout"),
        c.getDuration("rewatch.min-backoff"),
        c.getDuration("rewatch.max-backoff"),
        c.getInt("rewatch.max-attempts"),
        c.getInt("max-inbound-chars"),
        c.getDuration("stalled-after"));
  }
}

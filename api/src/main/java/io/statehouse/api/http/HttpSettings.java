package io.statehouse.api.http;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * HTTP settings from {@code statehouse.http}.
 *
 * @param askTimeout how long a route waits for an entity's answer
 * @param resendAfter how long a route waits for a session's answer to a message with an idempotency
 *     key before it sends the message again (within {@code askTimeout})
 * @param defaultWait how long {@code POST …/messages} waits for the turn when {@code ?wait=} is
 *     absent
 */
public record HttpSettings(
    String host,
    int port,
    Duration askTimeout,
    Duration resendAfter,
    long maxBodyBytes,
    Duration bodyReadTimeout,
    Duration defaultWait,
    Duration maxWait,
    int maxMessageChars) {

  public HttpSettings {
    if (resendAfter.isZero() || resendAfter.isNegative()) {
      throw new IllegalArgumentException(
          "statehouse.http.resend-after must be positive, not " + resendAfter);
    }
  }

  public static HttpSettings fromConfig(Config root) {
    Config c = root.getConfig("statehouse.http");
    return new HttpSettings(
        c.getString("interface"),
        c.getInt("port"),
        c.getDuration("ask-timeout"),
        c.getDuration("resend-after"),
        c.getMemorySize("max-body-size").toBytes(),
        c.getDuration("body-read-timeout"),
        c.getDuration("default-wait"),
        c.getDuration("max-wait"),
        c.getInt("max-message-chars"));
  }

  public HttpSettings withPort(int newPort) {
    return new HttpSettings(
        host,
        newPort,
        askTimeout,
        resendAfter,
        maxBodyBytes,
        bodyReadTimeout,
        defaultWait,
        maxWait,
        maxMessageChars);
  }
}

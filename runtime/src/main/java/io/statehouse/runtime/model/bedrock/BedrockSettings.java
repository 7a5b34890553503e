package io.statehouse.runtime.model.bedrock;

import com.typesafe.config.Config;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code statehouse.models.bedrock}, plus the model call's budget ({@code
 * statehouse.session.model.call-timeout}) that every attempt and backoff of one call fits in.
 */
public record BedrockSettings(
    Optional<String> region,
    Optional<URI> endpoint,
    Duration connectTimeout,
    Duration readTimeout,
    int maxConnections,
    int maxAttempts,
    Duration backoffMin,
    Duration backoffMax,
    Duration callBudget) {

  public BedrockSettings {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException(
          "statehouse.models.bedrock.max-attempts must be at least 1");
    }
    if (backoffMin.isNegative() || backoffMax.compareTo(backoffMin) < 0) {
      throw new IllegalArgumentException(
          "statehouse.models.bedrock: backoff-max must be at least backoff-min, both positive");
    }
    endpoint.ifPresent(
        e -> {
          if (e.getScheme() == null
              || !(e.getScheme().equals("https") || e.getScheme().equals("http"))
              || e.getHost() == null) {
            throw new IllegalArgumentException(
                "statehouse.models.bedrock.endpoint must be an http(s) URL with a host");
          }
        });
  }

  public static BedrockSettings fromConfig(Config root) {
    Config c = root.getConfig("statehouse.models.bedrock");
    String region = c.getString("region").trim();
    String endpoint = c.getString("endpoint").trim();
    return new BedrockSettings(
        region.isEmpty() ? Optional.empty() : Optional.of(region),
        endpoint.isEmpty() ? Optional.empty() : Optional.of(URI.create(endpoint)),
        c.getDuration("connect-timeout"),
        c.getDuration("read-timeout"),
        c.getInt("max-connections"),
        c.getInt("max-attempts"),
        c.getDuration("backoff-min"),
        c.getDuration("backoff-max"),
        root.getDuration("statehouse.session.model.call-timeout"));
  }
}

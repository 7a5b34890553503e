package io.statehouse.runtime.identity;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The node's identity settings, from {@code statehouse.identity}.
 *
 * @param issuer {@code iss} of the tool-call identity tokens
 * @param toolTokenTtl how long a tool-call identity token is valid
 * @param signingKeysFile the cluster's shared JWK Set of private signing keys, when configured
 * @param generatedKeysFile where a node without {@code signingKeysFile} keeps the key it generated
 * @param jwksMaxAge how long clients may cache {@code /.well-known/jwks.json}
 */
public record IdentitySettings(
    String issuer,
    Duration toolTokenTtl,
    Optional<Path> signingKeysFile,
    Path generatedKeysFile,
    Duration jwksMaxAge) {

  public IdentitySettings {
    if (issuer.isBlank()) {
      throw new IllegalArgumentException("statehouse.identity.issuer must not be empty");
    }
    if (toolTokenTtl.compareTo(Duration.ofSeconds(1)) < 0) {
      // JWT times are whole seconds
      throw new IllegalArgumentException("statehouse.identity.tool-token-ttl must be at least 1s");
    }
  }

  public static IdentitySettings fromConfig(Config root) {
    Config c = root.getConfig("statehouse.identity");
    String shared = c.getString("signing-keys-file").trim();
    return new IdentitySettings(
        c.getString("issuer"),
        c.getDuration("tool-token-ttl"),
        shared.isEmpty() ? Optional.empty() : Optional.of(Path.of(shared)),
        Path.of(c.getString("generated-keys-file")),
        c.getDuration("jwks-max-age"));
  }
}

package io.statehouse.runtime.identity;

import com.nimbusds.jwt.JWTClaimsSet;
import com.typesafe.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.UUID;

/**
 * Issues the short-lived JWT a tool call carries ({@code X-Statehouse-Identity}), so the tool's own
 * service can verify, against {@code /.well-known/jwks.json}, who is acting and for whom. One token
 * per attempt: {@code aud} is the tool, {@code jti} is fresh, and the idempotency key ties the
 * attempts of one call together. Thread-safe.
 */
public final class ToolTokens {
  private final NodeKeys keys;
  private final String issuer;
  private final Duration ttl;
  private final Clock clock;

  public ToolTokens(NodeKeys keys, String issuer, Duration ttl, Clock clock) {
    this.keys = keys;
    this.issuer = issuer;
    this.ttl = ttl;
    this.clock = clock;
  }

  public static ToolTokens fromConfig(Config root, NodeKeys keys, Clock clock) {
    IdentitySettings s = IdentitySettings.fromConfig(root);
    return new ToolTokens(keys, s.issuer(), s.toolTokenTtl(), clock);
  }

  /** A signed compact JWT for one attempt of a tool call. */
  public String issue(ToolTokenClaims c) {
    // JWT times are whole seconds; truncating keeps exp - iat exactly the configured TTL
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .subject(c.subject())
            .audience(c.tool())
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now))
            .expirationTime(Date.from(now.plus(ttl)))
            .jwtID(UUID.randomUUID().toString())
            .claim(ToolTokenClaims.TENANT, c.tenant())
            .claim(ToolTokenClaims.AGENT, c.agent())
            .claim(ToolTokenClaims.AGENT_VERSION, c.agentVersion())
            .claim(ToolTokenClaims.SESSION, c.sessionId())
            .claim(ToolTokenClaims.TURN, c.turnId())
            .claim(ToolTokenClaims.CALL, c.callId())
            .claim(ToolTokenClaims.TOOL, c.tool())
            .claim(ToolTokenClaims.IDEMPOTENCY_KEY, c.idempotencyKey())
            .build();
    return keys.sign(claims);
  }

  public Duration ttl() {
    return ttl;
  }
}

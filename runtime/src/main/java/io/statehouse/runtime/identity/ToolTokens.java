package io.statehouse.runtime.identity;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.typesafe.config.Config;
import io.statehouse.runtime.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
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
    long now = clock.instant().getEpochSecond();
    // written directly, not through a claims object: every tool call pays for this on its turn
    ByteArrayBuilder out = new ByteArrayBuilder(512);
    try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("iss", issuer);
      json.writeStringField("sub", c.subject());
      json.writeStringField("aud", c.tool());
      json.writeNumberField("iat", now);
      json.writeNumberField("nbf", now);
      json.writeNumberField("exp", now + ttl.toSeconds());
      json.writeStringField("jti", UUID.randomUUID().toString());
      json.writeStringField(ToolTokenClaims.TENANT, c.tenant());
      json.writeStringField(ToolTokenClaims.AGENT, c.agent());
      json.writeNumberField(ToolTokenClaims.AGENT_VERSION, c.agentVersion());
      json.writeStringField(ToolTokenClaims.SESSION, c.sessionId());
      json.writeStringField(ToolTokenClaims.TURN, c.turnId());
      json.writeStringField(ToolTokenClaims.CALL, c.callId());
      json.writeStringField(ToolTokenClaims.TOOL, c.tool());
      json.writeStringField(ToolTokenClaims.IDEMPOTENCY_KEY, c.idempotencyKey());
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a token's claims", e);
    }
    return keys.signJwt(out.toByteArray());
  }

  public Duration ttl() {
    return ttl;
  }
}

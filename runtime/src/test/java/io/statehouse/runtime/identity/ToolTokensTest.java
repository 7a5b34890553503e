package io.statehouse.runtime.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Tool-call identity tokens, verified the way a tool's service would: plain Nimbus and the JWKS.
 */
class ToolTokensTest {
  private static final ToolTokenClaims CLAIMS =
      new ToolTokenClaims(
          "acme", "alice", "refunds", 3, "s-1", "t-2", "c-3", "refund_order", "idem-4");

  private final NodeKeys keys = NodeKeys.generate();
  private final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  private final ToolTokens tokens =
      ToolTokens.fromConfig(ConfigFactory.load(), keys, Clock.fixed(now, ZoneOffset.UTC));

  @Test
  void carriesTheCallsIdentityWithTheToolAsAudience() throws Exception {
    JWTClaimsSet c = verifyAsTool(tokens.issue(CLAIMS), "refund_order");

    assertEquals("statehouse", c.getIssuer());
    assertEquals(List.of("refund_order"), c.getAudience());
    assertEquals("alice", c.getSubject());
    assertEquals("acme", c.getStringClaim("tenant"));
    assertEquals("refunds", c.getStringClaim("agent"));
    assertEquals(3, c.getIntegerClaim("agent_version"));
    assertEquals("s-1", c.getStringClaim("session"));
    assertEquals("t-2", c.getStringClaim("turn"));
    assertEquals("c-3", c.getStringClaim("call"));
    assertEquals("refund_order", c.getStringClaim("tool"));
    assertEquals("idem-4", c.getStringClaim("idempotency_key"));
    assertEquals(now, c.getIssueTime().toInstant());
    assertEquals(now, c.getNotBeforeTime().toInstant());
    assertTrue(c.getJWTID().length() >= 32);
  }

  @Test
  void expiresAfterTheConfiguredTtl() throws Exception {
    JWTClaimsSet c = SignedJWT.parse(tokens.issue(CLAIMS)).getJWTClaimsSet();
    assertEquals(Duration.ofMinutes(5), tokens.ttl(), "the default of tool-token-ttl");
    assertEquals(now.plus(tokens.ttl()), c.getExpirationTime().toInstant());

    Instant longAgo = now.minus(tokens.ttl()).minus(Duration.ofMinutes(2));
    ToolTokens earlier =
        ToolTokens.fromConfig(ConfigFactory.load(), keys, Clock.fixed(longAgo, ZoneOffset.UTC));
    BadJOSEException e =
        assertThrows(
            BadJOSEException.class, () -> verifyAsTool(earlier.issue(CLAIMS), "refund_order"));
    assertTrue(e.getMessage().contains("Expired"), e.getMessage());
  }

  @Test
  void aTokenForOneToolIsRefusedByAnother() {
    String token = tokens.issue(CLAIMS);
    assertThrows(BadJOSEException.class, () -> verifyAsTool(token, "delete_account"));
  }

  @Test
  void aTokenSignedByAnotherNodeKeyIsRefused() {
    ToolTokens stranger =
        ToolTokens.fromConfig(
            ConfigFactory.load(), NodeKeys.generate(), Clock.fixed(now, ZoneOffset.UTC));
    assertThrows(
        BadJOSEException.class, () -> verifyAsTool(stranger.issue(CLAIMS), "refund_order"));
  }

  @Test
  void everyAttemptGetsItsOwnTokenId() throws Exception {
    String first = tokens.issue(CLAIMS);
    String second = tokens.issue(CLAIMS);
    assertNotEquals(
        SignedJWT.parse(first).getJWTClaimsSet().getJWTID(),
        SignedJWT.parse(second).getJWTClaimsSet().getJWTID());
  }

  @Test
  void claimsWithQuotesBackslashesAndNonAsciiTextComeBackAsTheyWere() throws Exception {
    ToolTokenClaims odd =
        new ToolTokenClaims(
            "acme", "al\"ice\\\n", "réfunds", 3, "s-1", "t-2", "c-3", "refund_order", "k\u2028€");
    JWTClaimsSet c = verifyAsTool(tokens.issue(odd), "refund_order");
    assertEquals("al\"ice\\\n", c.getSubject());
    assertEquals("réfunds", c.getStringClaim("agent"));
    assertEquals("k\u2028€", c.getStringClaim("idempotency_key"));
  }

  @Test
  void aTokenLifetimeUnderOneSecondIsRefusedAtStart() {
    // JWT times are whole seconds: 500 ms would make a token that expires when it is issued
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new IdentitySettings(
                    "statehouse",
                    Duration.ofMillis(500),
                    java.util.Optional.empty(),
                    java.nio.file.Path.of("keys.json"),
                    Duration.ofMinutes(5)));
    assertTrue(e.getMessage().contains("tool-token-ttl"), e.getMessage());
  }

  /** What a tool's service does: keys from the published JWKS, its own name as the audience. */
  private JWTClaimsSet verifyAsTool(String token, String toolName) throws Exception {
    DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    processor.setJWSKeySelector(
        new JWSVerificationKeySelector<>(
            JWSAlgorithm.ES256, new ImmutableJWKSet<>(JWKSet.parse(keys.publicJwks()))));
    processor.setJWTClaimsSetVerifier(
        new DefaultJWTClaimsVerifier<>(
            toolName,
            new JWTClaimsSet.Builder().issuer("statehouse").build(),
            Set.of("sub", "exp", "iat", "jti", "tenant", "idempotency_key")));
    return processor.process(token, null);
  }
}

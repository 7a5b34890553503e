package io.statehouse.api.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.typesafe.config.ConfigFactory;
import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.identity.NodeKeys;
import io.statehouse.runtime.identity.ToolTokenClaims;
import io.statehouse.runtime.identity.ToolTokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Callers with JWTs, and the node's public keys, over real HTTP. */
@ExtendWith(CassandraExtension.class)
class JwtCallersIT {
  private static final String IDP = "https://idp.it.example/";
  private static RSAKey idpKey;
  private static StatehouseNode node;
  private static Api api;

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    idpKey = new RSAKeyGenerator(2048).keyID("it-idp").generate();
    Path jwks = Path.of("target", "it-identity", "idp-jwks.json").toAbsolutePath();
    Files.createDirectories(jwks.getParent());
    Files.writeString(jwks, new JWKSet(idpKey.toPublicJWK()).toString());
    node =
        StatehouseNode.start(
            NodeConfig.full(
                keyspaces,
                0,
                "statehouse.api.jwt.issuers = [{ issuer = \""
                    + IDP
                    + "\", audience = statehouse-it, jwks-file = \""
                    + jwks
                    + "\" }]"));
    api = new Api("127.0.0.1", node.port());
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aCallerWithAJwtOpensASessionOfItsTenant() throws Exception {
    String dana = jwt("statehouse-it", Duration.ofMinutes(5));
    api.putAgent(
        dana, "jwt-helper", Defs.agent("[]", "[" + Defs.text("hi dana") + "]", true, null));

    String id = api.openSession(dana, "jwt-helper");

    Api.Response session = api.get("/v1/sessions/" + id, dana);
    assertEquals(200, session.status());
    assertEquals(404, api.get("/v1/sessions/" + id, ItKeys.GLOBEX_CAROL).status());
  }

  @Test
  void aJwtForAnotherAudienceOrExpiredIs401WithoutEchoingIt() throws Exception {
    for (String token :
        List.of(
            jwt("someone-else", Duration.ofMinutes(5)),
            jwt("statehouse-it", Duration.ofMinutes(-5)))) {
      Api.Response r = api.post("/v1/sessions", token, "{\"agent\":\"jwt-helper\"}");
      assertEquals(401, r.status());
      assertEquals("unauthorized", r.errorCode());
      String signature = token.substring(token.lastIndexOf('.') + 1);
      assertFalse(r.raw().contains(signature), r.raw());
      assertFalse(r.raw().contains(token.substring(0, token.indexOf('.'))), r.raw());
    }
  }

  @Test
  void theNodesPublicKeysArePublishedWithoutAKeyAndVerifyItsToolTokens() throws Exception {
    Api.Response r = api.get("/.well-known/jwks.json", null);

    assertEquals(200, r.status());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
    assertTrue(
        r.headers().firstValue("Cache-Control").orElse("").contains("max-age=300"),
        r.headers().map().toString());
    JsonNode keys = r.body().path("keys");
    assertEquals(1, keys.size());
    assertFalse(keys.get(0).has("d"), "no private part");

    // a token signed with the key this node generated verifies against what it publishes
    ToolTokens tokens =
        ToolTokens.fromConfig(
            ConfigFactory.load(), NodeKeys.load(ItKeys.GENERATED_SIGNING_KEYS), Clock.systemUTC());
    String token =
        tokens.issue(new ToolTokenClaims("acme", "alice", "a", 1, "s", "t", "c", "tool", "k"));
    DefaultJWTProcessor<SecurityContext> tool = new DefaultJWTProcessor<>();
    tool.setJWSKeySelector(
        new JWSVerificationKeySelector<>(
            JWSAlgorithm.ES256, new ImmutableJWKSet<>(JWKSet.parse(r.raw()))));
    assertEquals("acme", tool.process(token, null).getStringClaim("tenant"));
  }

  private static String jwt(String audience, Duration validFor) throws Exception {
    Instant now = Instant.now();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID("it-idp")
                .type(JOSEObjectType.JWT)
                .build(),
            new JWTClaimsSet.Builder()
                .issuer(IDP)
                .audience(audience)
                .subject("dana")
                .claim("tenant", "acme")
                .claim("roles", List.of("developer"))
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now.minusSeconds(5)))
                .expirationTime(Date.from(now.plus(validFor)))
                .build());
    jwt.sign(new RSASSASigner(idpKey));
    return jwt.serialize();
  }
}

package io.statehouse.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.Principal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Callers' JWTs: what is accepted, and every way a token must be refused. */
class JwtAuthenticatorTest {
  private static final String IDP = "https://idp.example.com/";
  private static final String HS_IDP = "https://hs.example.com/";
  private static final String AUDIENCE = "statehouse";
  private static final String SECRET = "a-shared-secret-of-more-than-32-bytes!";
  private static final UnaryOperator<String> ENV = Map.of("IDP_SECRET", SECRET)::get;

  private static RSAKey rsa;
  private static ECKey ec;
  @TempDir static Path dir;
  private static Path jwksFile;

  private final Instant now = Instant.now();
  private final ExecutorService blocking = Executors.newCachedThreadPool();
  private JwtAuthenticator jwts;

  @BeforeAll
  static void keys() throws Exception {
    rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    jwksFile = dir.resolve("idp-jwks.json");
    Files.writeString(
        jwksFile, new JWKSet(List.<JWK>of(rsa.toPublicJWK(), ec.toPublicJWK())).toString());
  }

  @AfterEach
  void stop() {
    if (jwts != null) {
      jwts.close();
    }
    blocking.shutdownNow();
  }

  @Test
  void acceptsRs256Es256AndHs256TokensOfConfiguredIssuers() throws Exception {
    jwts = authenticator("");
    Principal alice = new Principal("acme", "alice", List.of("developer", "approver"));

    assertEquals(
        Optional.of(alice), jwts.verify(sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> {})));
    assertEquals(
        Optional.of(alice),
        jwts.verify(sign(JWSAlgorithm.ES256, new ECDSASigner(ec), "ec-1", c -> {})));
    assertEquals(
        Optional.of(alice),
        jwts.verify(sign(JWSAlgorithm.HS256, new MACSigner(SECRET), null, c -> c.issuer(HS_IDP))));
    assertEquals(
        Optional.of(alice),
        jwts.principalOf("Bearer " + sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> {}))
            .toCompletableFuture()
            .get(),
        "through the Authorization header");
  }

  @Test
  void refusesATokenForAnotherAudience() throws Exception {
    jwts = authenticator("");
    assertRefused(sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> c.audience("billing")));
  }

  @Test
  void refusesAnIssuerThatIsNotConfigured() throws Exception {
    jwts = authenticator("");
    assertRefused(
        sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> c.issuer("https://evil.example/")));
    assertRefused(sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> c.issuer(null)));
  }

  @Test
  void refusesATokenSignedWithAnotherKeyUnderTheSameKid() throws Exception {
    jwts = authenticator("");
    RSAKey impostor = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    assertRefused(sign(JWSAlgorithm.RS256, new RSASSASigner(impostor), "rsa-1", c -> {}));
    assertRefused(
        sign(JWSAlgorithm.HS256, new MACSigner(SECRET + "-other"), null, c -> c.issuer(HS_IDP)));
  }

  @Test
  void refusesAnExpiredTokenBeyondTheClockSkew() throws Exception {
    jwts = authenticator("");
    assertRefused(
        sign(
            JWSAlgorithm.RS256,
            rsaSigner(),
            "rsa-1",
            c -> c.expirationTime(Date.from(now.minus(Duration.ofMinutes(2))))));
    assertTrue(
        jwts.verify(
                sign(
                    JWSAlgorithm.RS256,
                    rsaSigner(),
                    "rsa-1",
                    c -> c.expirationTime(Date.from(now.minusSeconds(20)))))
            .isPresent(),
        "20 s past exp is within the default clock-skew of 60 s");
    assertRefused(
        sign(
            JWSAlgorithm.RS256,
            rsaSigner(),
            "rsa-1",
            c -> c.notBeforeTime(Date.from(now.plus(Duration.ofMinutes(5))))));
  }

  @Test
  void refusesTokensWithoutExpiryNotBeforeOrAudience() throws Exception {
    jwts = authenticator("");
    assertRefused(sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> c.expirationTime(null)));
    assertRefused(sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> c.notBeforeTime(null)));
    assertRefused(sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> c.audience((String) null)));
  }

  @Test
  void refusesAlgNone() throws Exception {
    jwts = authenticator("");
    String unsecured = new PlainJWT(claims().build()).serialize();
    assertRefused(unsecured);
    // an unsecured header with a signature part attached, so it passes the three-parts shape
    String withSignature = unsecured + Base64URL.encode("sig");
    assertTrue(Authenticator.looksLikeJwt(withSignature));
    assertRefused(withSignature);
    // "alg": "none" spelled differently is still no JWS algorithm this node knows
    String header =
        Base64URL.encode("{\"alg\":\"None\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
            .toString();
    assertRefused(header + "." + unsecured.split("\\.")[1] + "." + Base64URL.encode("sig"));
  }

  @Test
  void refusesHs256SignedWithTheIssuersPublicKey() throws Exception {
    // the classic confusion: a verifier that takes the RSA public key as an HMAC secret
    jwts = authenticator("");
    byte[] publicDer = rsa.toRSAPublicKey().getEncoded();
    byte[] publicJwk = rsa.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
    assertRefused(sign(JWSAlgorithm.HS256, new MACSigner(publicDer), "rsa-1", c -> {}));
    assertRefused(sign(JWSAlgorithm.HS256, new MACSigner(publicJwk), "rsa-1", c -> {}));
    assertRefused(sign(JWSAlgorithm.HS256, new MACSigner(publicDer), null, c -> {}));
  }

  @Test
  void aTokenOfTheSecretIssuerCannotUseAnRsaSignature() throws Exception {
    jwts = authenticator("");
    assertRefused(sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> c.issuer(HS_IDP)));
  }

  @Test
  void refusesATokenWithoutAValidTenantOrSubject() throws Exception {
    jwts = authenticator("");
    assertRefused(sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> c.claim("tenant", null)));
    assertRefused(sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> c.claim("tenant", "ACME:1")));
    assertRefused(sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> c.claim("tenant", 42)));
    assertRefused(sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> c.subject(null)));
    assertRefused(sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> c.subject(" ")));
    assertRefused(sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> c.subject("a\nb")));
  }

  @Test
  void mapsConfiguredClaimsIncludingNestedAndSpaceSeparatedRoles() throws Exception {
    jwts =
        authenticator(
            "claims { tenant = \"https://statehouse.dev/tenant\", subject = email,"
                + " roles = realm_access.roles }");
    String nested =
        sign(
            JWSAlgorithm.RS256,
            rsaSigner(),
            "rsa-1",
            c ->
                c.claim("https://statehouse.dev/tenant", "globex")
                    .claim("email", "carol@globex.example")
                    .claim("realm_access", Map.of("roles", List.of("operator", "auditor"))));
    assertEquals(
        Optional.of(
            new Principal("globex", "carol@globex.example", List.of("operator", "auditor"))),
        jwts.verify(nested));

    jwts.close();
    jwts = authenticator("claims { roles = scope }");
    String spaced =
        sign(
            JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> c.claim("scope", " developer  auditor"));
    assertEquals(List.of("developer", "auditor"), jwts.verify(spaced).orElseThrow().roles());
  }

  @Test
  void anIssuerLimitedToSomeTenantsCannotNameAnother() throws Exception {
    jwts = authenticator("allowed-tenants = [globex]");
    assertRefused(sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> {}));
    assertTrue(
        jwts.verify(
                sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> c.claim("tenant", "globex")))
            .isPresent());
  }

  @Test
  void refusesMoreRolesThanAPrincipalMayCarry() throws Exception {
    jwts = authenticator("");
    List<String> many = java.util.stream.IntStream.range(0, 65).mapToObj(i -> "r" + i).toList();
    assertRefused(sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> c.claim("roles", many)));
  }

  @Test
  void misconfiguredIssuersStopTheNodeFromStarting() {
    assertStartFails(
        "{ issuer = \"x\", audience = a, jwks-file = \"" + jwksFile + "\", algorithms = [HS256] }",
        "HS256 needs hs256-secret-env");
    assertStartFails(
        "{ issuer = \"x\", audience = a, hs256-secret-env = IDP_SECRET, algorithms = [HS256, RS256] }",
        "algorithms = [HS256]");
    assertStartFails(
        "{ issuer = \"x\", audience = a, jwks-file = \"" + jwksFile + "\", algorithms = [none] }",
        "not one of");
    assertStartFails(
        "{ issuer = \"x\", audience = a, jwks-file = \""
            + jwksFile
            + "\","
            + " hs256-secret-env = IDP_SECRET }",
        "exactly one");
    assertStartFails(
        "{ issuer = \"x\", audience = a, jwks-url = \"http://idp.example.com/jwks\" }",
        "must be https");
    assertStartFails(
        "{ issuer = \"x\", audience = [], jwks-file = \"" + jwksFile + "\" }", "audience");
  }

  @Test
  void aMissingOrShortSecretStopsTheNodeWithoutNamingIt() {
    assertStartFails(
        "{ issuer = \"x\", audience = a, hs256-secret-env = NOT_SET }", "NOT_SET", v -> null);
    String shortSecret = "too-short-secret";
    IllegalArgumentException e =
        assertStartFails(
            "{ issuer = \"x\", audience = a, hs256-secret-env = S }",
            "at least 32 bytes",
            v -> shortSecret);
    assertFalse(e.getMessage().contains(shortSecret));
  }

  @Test
  void checksTokensOfAJwksUrlIssuerOnTheBlockingExecutor() throws Exception {
    HttpServer idp =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    AtomicInteger fetches = new AtomicInteger();
    byte[] body = new JWKSet(rsa.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    idp.createContext(
        "/jwks",
        exchange -> {
          fetches.incrementAndGet();
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    idp.start();
    AtomicInteger offloaded = new AtomicInteger();
    try {
      Config config =
          ConfigFactory.parseString(
                  "statehouse.api.jwt.issuers = [{ issuer = \""
                      + IDP
                      + "\", audience = "
                      + AUDIENCE
                      + ", jwks-url = \"http://127.0.0.1:"
                      + idp.getAddress().getPort()
                      + "/jwks\" }]")
              .withFallback(ConfigFactory.load());
      jwts =
          JwtAuthenticator.fromConfig(
              config,
              ENV,
              task -> {
                offloaded.incrementAndGet();
                blocking.execute(task);
              },
              Clock.systemUTC());
      String token = sign(JWSAlgorithm.RS256, rsaSigner(), "rsa-1", c -> {});

      Optional<Principal> p =
          jwts.principalOf("Bearer " + token).toCompletableFuture().get(10, TimeUnit.SECONDS);

      assertEquals("alice", p.orElseThrow().subject());
      assertEquals(2, offloaded.get(), "the prefetch at start and the check itself");
      assertEquals(1, fetches.get(), "the keys were fetched once and then cached");
    } finally {
      idp.stop(0);
    }
  }

  private IllegalArgumentException assertStartFails(String issuer, String messagePart) {
    return assertStartFails(issuer, messagePart, ENV);
  }

  private IllegalArgumentException assertStartFails(
      String issuer, String messagePart, UnaryOperator<String> env) {
    Config config =
        ConfigFactory.parseString("statehouse.api.jwt.issuers = [" + issuer + "]")
            .withFallback(ConfigFactory.load());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> JwtAuthenticator.fromConfig(config, env, blocking, Clock.systemUTC()));
    assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    return e;
  }

  private void assertRefused(String token) throws Exception {
    assertEquals(Optional.empty(), jwts.verify(token));
    assertEquals(
        Optional.empty(),
        jwts.principalOf("Bearer " + token).toCompletableFuture().get(10, TimeUnit.SECONDS));
  }

  /**
   * Two issuers: RS256/ES256 keys from a JWKS file, and an HS256 secret; {@code extra} in the
   * first.
   */
  private JwtAuthenticator authenticator(String extra) {
    Config config =
        ConfigFactory.parseString(
                "statehouse.api.jwt.issuers = [\n"
                    + "{ issuer = \""
                    + IDP
                    + "\", audience = ["
                    + AUDIENCE
                    + ", other], algorithms = [RS256, ES256], jwks-file = \""
                    + jwksFile
                    + "\"\n"
                    + extra
                    + " }\n"
                    + "{ issuer = \""
                    + HS_IDP
                    + "\", audience = "
                    + AUDIENCE
                    + ", hs256-secret-env = IDP_SECRET }\n"
                    + "]")
            .withFallback(ConfigFactory.load());
    return JwtAuthenticator.fromConfig(config, ENV, blocking, Clock.systemUTC());
  }

  private JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .issuer(IDP)
        .audience(AUDIENCE)
        .subject("alice")
        .issueTime(Date.from(now))
        .notBeforeTime(Date.from(now.minusSeconds(1)))
        .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
        .claim("tenant", "acme")
        .claim("roles", List.of("developer", "approver"));
  }

  private String sign(
      JWSAlgorithm alg, JWSSigner signer, String kid, Consumer<JWTClaimsSet.Builder> change)
      throws Exception {
    JWTClaimsSet.Builder b = claims();
    change.accept(b);
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JWT).build(), b.build());
    jwt.sign(signer);
    return jwt.serialize();
  }

  private static RSASSASigner rsaSigner() throws Exception {
    return new RSASSASigner(rsa.toPrivateKey());
  }
}

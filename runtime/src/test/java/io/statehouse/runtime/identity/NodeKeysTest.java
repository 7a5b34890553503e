package io.statehouse.runtime.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeKeysTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  // every member of a JWK that is secret, for EC, RSA and symmetric keys
  private static final Set<String> PRIVATE_MEMBERS =
      Set.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");

  @TempDir Path dir;

  @Test
  void loadsTheSharedFileSignsWithTheFirstKeyAndPublishesTheRetiredOne() throws Exception {
    ECKey current = ecKey("current");
    ECKey retired = ecKey("retired");
    Path file = write("shared.json", new JWKSet(List.of(current, retired)).toString(false));

    NodeKeys keys = NodeKeys.fromSettings(settings(Optional.of(file)));

    assertEquals("current", keys.signingKeyId());
    assertEquals(
        List.of("current", "retired"),
        keys.publicJwkSet().getKeys().stream().map(JWK::getKeyID).toList());
    SignedJWT jwt = SignedJWT.parse(keys.sign(new JWTClaimsSet.Builder().subject("x").build()));
    assertEquals(JWSAlgorithm.ES256, jwt.getHeader().getAlgorithm());
    assertEquals("current", jwt.getHeader().getKeyID());
    assertTrue(jwt.verify(new ECDSAVerifier(current.toPublicJWK())));
    assertFalse(jwt.verify(new ECDSAVerifier(retired.toPublicJWK())));
  }

  @Test
  void generatesAKeyOnceWritesItOwnerOnlyAndKeepsItAcrossRestarts() throws Exception {
    Path file = dir.resolve("var/identity/keys.json");

    NodeKeys first = NodeKeys.fromSettings(settings(Optional.empty(), file));
    NodeKeys afterRestart = NodeKeys.fromSettings(settings(Optional.empty(), file));

    assertTrue(Files.exists(file));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(first.signingKeyId(), afterRestart.signingKeyId());
    assertTrue(JWKSet.parse(Files.readString(file)).containsNonPublicKeys());
    try (var left = Files.list(file.getParent())) {
      assertEquals(List.of(file), left.toList(), "no temporary file is left behind");
    }
  }

  @Test
  void twoGeneratedKeysAreDifferent() {
    assertNotEquals(NodeKeys.generate().signingKeyId(), NodeKeys.generate().signingKeyId());
  }

  @Test
  void publicJwksCarriesNoPrivatePart() throws Exception {
    ECKey current = ecKey("current");
    ECKey retired = ecKey("retired");
    NodeKeys keys = NodeKeys.of(new JWKSet(List.of(current, retired)));

    JsonNode jwks = JSON.readTree(keys.publicJwks());

    assertEquals(2, jwks.path("keys").size());
    for (JsonNode key : jwks.path("keys")) {
      key.fieldNames()
          .forEachRemaining(
              name -> assertFalse(PRIVATE_MEMBERS.contains(name), "private member " + name));
      assertEquals("EC", key.path("kty").asText());
    }
    assertFalse(keys.publicJwks().contains(current.getD().toString()));
    assertFalse(keys.publicJwks().contains(retired.getD().toString()));
    assertFalse(JWKSet.parse(keys.publicJwks()).containsNonPublicKeys());
  }

  @Test
  void refusesKeysThatCannotSignES256() throws Exception {
    ECKey key = ecKey("k");
    assertRefused(new JWKSet(key.toPublicJWK()), "no private part");
    assertRefused(new JWKSet(new ECKeyGenerator(Curve.P_256).generate()), "kid");
    assertRefused(new JWKSet(List.of(key, ecKey("k"))), "two keys");
    assertRefused(new JWKSet(new ECKeyGenerator(Curve.P_384).keyID("p384").generate()), "P-256");
    assertRefused(new JWKSet(new RSAKeyGenerator(2048).keyID("rsa").generate()), "P-256");
    assertRefused(new JWKSet(), "no keys");
  }

  @Test
  void aMalformedKeysFileIsRefusedWithoutQuotingIt() throws Exception {
    String secret = ecKey("k").getD().toString();
    Path file = write("broken.json", "{\"keys\": [{\"kty\": \"EC\", \"d\": \"" + secret + "\"");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> NodeKeys.load(file));

    assertFalse(e.getMessage().contains(secret), e.getMessage());
    assertEquals(null, e.getCause(), "a cause could carry the parser's quote of the file");
  }

  @Test
  void detachedSignatureVerifiesOverTheSameBytesOnly() throws Exception {
    NodeKeys keys = NodeKeys.generate();
    byte[] head = "chain head 42 abcdef".getBytes(StandardCharsets.UTF_8);

    String jws = keys.signDetached(head);

    assertEquals("", jws.split("\\.", -1)[1], "the payload is detached");
    assertTrue(keys.verifyDetached(jws, head));
    assertFalse(keys.verifyDetached(jws, "chain head 43 abcdef".getBytes(StandardCharsets.UTF_8)));
    assertFalse(NodeKeys.generate().verifyDetached(jws, head), "another node's keys");
    assertFalse(keys.verifyDetached("not a jws", head));
    // any JOSE library verifies it with the published key and the same bytes
    JWSObject parsed = JWSObject.parse(jws, new Payload(head));
    ECKey published = (ECKey) keys.publicJwkSet().getKeyByKeyId(parsed.getHeader().getKeyID());
    assertTrue(parsed.verify(new ECDSAVerifier(published)));
  }

  @Test
  void tokensVerifyWithTheJdkAloneAlthoughAnotherProviderSignsThem() throws Exception {
    NodeKeys keys = NodeKeys.generate();
    // enough signatures that some R or S is below 2^248 and must be padded to its 32 bytes
    for (int i = 0; i < 300; i++) {
      String jwt = keys.sign(new JWTClaimsSet.Builder().subject("alice-" + i).build());
      String[] parts = jwt.split("\\.");
      // ES256 as RFC 7515 defines it (R || S, 64 bytes), checked by the JDK's own provider
      java.security.Signature jdk =
          java.security.Signature.getInstance("SHA256withECDSAinP1363Format", "SunEC");
      ECKey published = (ECKey) keys.publicJwkSet().getKeys().get(0);
      jdk.initVerify(published.toECPublicKey());
      jdk.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      byte[] signature = java.util.Base64.getUrlDecoder().decode(parts[2]);
      assertEquals(64, signature.length);
      assertTrue(jdk.verify(signature), "signature " + i);
    }
  }

  @Test
  void aSignatureByARetiredKeyStillVerifiesAfterRotation() throws Exception {
    ECKey old = ecKey("old");
    NodeKeys before = NodeKeys.of(new JWKSet(old));
    byte[] head = {1, 2, 3};
    String signedBefore = before.signDetached(head);

    NodeKeys after = NodeKeys.of(new JWKSet(List.of(ecKey("new"), old)));

    assertEquals("new", after.signingKeyId());
    assertTrue(after.verifyDetached(signedBefore, head));
  }

  @Test
  void aDetachedSignatureWithAnUnsignedHeaderIsRefused() {
    NodeKeys keys = NodeKeys.generate();
    byte[] head = {1, 2, 3};
    String signature = keys.signDetached(head).split("\\.", -1)[2];
    // {"alg":"none","kid":...}: a forged header with a real signature must not pass
    String noneHeader =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                ("{\"alg\":\"none\",\"kid\":\"" + keys.signingKeyId() + "\"}")
                    .getBytes(StandardCharsets.UTF_8));

    assertFalse(keys.verifyDetached(noneHeader + ".." + signature, head));
  }

  @Test
  void verifyJwtReturnsTheClaimsOfAJwtSignedByTheSigningOrARetiredKey() throws Exception {
    ECKey old = ecKey("old");
    NodeKeys before = NodeKeys.of(new JWKSet(old));
    String signedBefore = before.sign(new JWTClaimsSet.Builder().subject("alice").build());
    NodeKeys after = NodeKeys.of(new JWKSet(List.of(ecKey("new"), old)));
    String signedAfter = after.sign(new JWTClaimsSet.Builder().subject("bob").build());

    assertEquals("alice", after.verifyJwt(signedBefore).orElseThrow().getSubject());
    assertEquals("bob", after.verifyJwt(signedAfter).orElseThrow().getSubject());
    // the old key set never knew the new key
    assertEquals(Optional.empty(), before.verifyJwt(signedAfter));
    assertEquals(Optional.empty(), NodeKeys.generate().verifyJwt(signedAfter), "another node");
  }

  @Test
  void verifyJwtRefusesATamperedPayloadOrSignature() {
    NodeKeys keys = NodeKeys.generate();
    String[] parts = keys.sign(new JWTClaimsSet.Builder().subject("alice").build()).split("\\.");
    String otherClaims = b64("{\"sub\":\"mallory\"}");
    char last = parts[2].charAt(0);
    String flipped = (last == 'A' ? 'B' : 'A') + parts[2].substring(1);

    assertEquals(Optional.empty(), keys.verifyJwt(parts[0] + "." + otherClaims + "." + parts[2]));
    assertEquals(Optional.empty(), keys.verifyJwt(parts[0] + "." + parts[1] + "." + flipped));
    // R = S = 0 verifies against any key in an unpatched ECDSA (CVE-2022-21449)
    String zeros = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[64]);
    assertEquals(Optional.empty(), keys.verifyJwt(parts[0] + "." + parts[1] + "." + zeros));
  }

  @Test
  void verifyJwtRefusesUnsignedOtherAlgorithmsAndMalformedInput() throws Exception {
    NodeKeys keys = NodeKeys.generate();
    String claims = b64("{\"sub\":\"alice\"}");
    String real = keys.sign(new JWTClaimsSet.Builder().subject("alice").build());
    String realSignature = real.split("\\.")[2];
    String kid = keys.signingKeyId();
    // HS256 keyed with the public JWKS, which anyone can read (algorithm confusion)
    JWSObject hs =
        new JWSObject(
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).build(),
            new Payload("{\"sub\":\"alice\"}"));
    hs.sign(new MACSigner(keys.publicJwks().repeat(2).getBytes(StandardCharsets.UTF_8)));

    assertEquals(
        Optional.empty(), keys.verifyJwt(new PlainJWT(JWTClaimsSet.parse("{}")).serialize()));
    assertEquals(
        Optional.empty(),
        keys.verifyJwt(b64("{\"alg\":\"none\",\"kid\":\"" + kid + "\"}") + "." + claims + "."));
    assertEquals(
        Optional.empty(),
        keys.verifyJwt(
            b64("{\"alg\":\"none\",\"kid\":\"" + kid + "\"}")
                + "."
                + claims
                + "."
                + realSignature));
    assertEquals(Optional.empty(), keys.verifyJwt(hs.serialize()));
    // a signature without a kid, or with a kid these keys do not have
    assertEquals(
        Optional.empty(),
        keys.verifyJwt(b64("{\"alg\":\"ES256\"}") + "." + claims + "." + realSignature));
    assertEquals(
        Optional.empty(),
        keys.verifyJwt(
            b64("{\"alg\":\"ES256\",\"kid\":\"nobody\"}") + "." + claims + "." + realSignature));
    // a detached signature is not a JWT: its payload is empty
    assertEquals(Optional.empty(), keys.verifyJwt(keys.signDetached(new byte[] {1, 2, 3})));
    // a signed payload that is not a JSON object
    assertEquals(
        Optional.empty(), keys.verifyJwt(keys.signJwt("[1]".getBytes(StandardCharsets.UTF_8))));
    for (String junk : new String[] {"", ".", "..", "a.b.c", "not a jwt", real + ".x"}) {
      assertEquals(Optional.empty(), keys.verifyJwt(junk), junk);
    }
    assertEquals(Optional.empty(), keys.verifyJwt(null));
  }

  private static String b64(String json) {
    return java.util.Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private void assertRefused(JWKSet set, String messagePart) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> NodeKeys.of(set));
    assertTrue(e.getMessage().contains(messagePart), e.getMessage());
  }

  private static ECKey ecKey(String kid) throws Exception {
    return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
  }

  private Path write(String name, String content) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  private IdentitySettings settings(Optional<Path> shared) {
    return settings(shared, dir.resolve("generated.json"));
  }

  private static IdentitySettings settings(Optional<Path> shared, Path generated) {
    return new IdentitySettings(
        "statehouse", Duration.ofMinutes(5), shared, generated, Duration.ofMinutes(5));
  }
}

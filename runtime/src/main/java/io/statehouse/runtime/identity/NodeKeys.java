package io.statehouse.runtime.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's signing keys: EC P-256 (ES256), each named by a {@code kid}. The first key signs; the
 * others are retired keys that are still published, so what they signed keeps verifying while a
 * rotation rolls through the cluster. {@link #publicJwks()} is what {@code /.well-known/jwks.json}
 * serves: public parts only.
 *
 * <p>Signatures over bytes ({@link #signDetached}) are compact JWS with a <em>detached</em> payload
 * (RFC 7515 appendix F: {@code header..signature}): the verifier supplies the bytes, so a signature
 * over a large export does not carry a copy of it.
 */
public final class NodeKeys {
  private static final Logger log = LoggerFactory.getLogger(NodeKeys.class);
  private static final JWSAlgorithm ALG = JWSAlgorithm.ES256;
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private final ECKey signingKey;
  private final Es256 signer;
  private final String jwtHeader;
  private final String detachedHeader;
  private final Map<String, JWSVerifier> verifiers;
  private final JWKSet publicKeys;
  private final String publicJwks;

  private NodeKeys(List<ECKey> keys) {
    this.signingKey = keys.get(0);
    try {
      this.signer = new Es256(signingKey.toECPrivateKey());
      Map<String, JWSVerifier> byKid = new LinkedHashMap<>();
      for (ECKey k : keys) {
        byKid.put(k.getKeyID(), new ECDSAVerifier(k.toPublicJWK()));
      }
      this.verifiers = Map.copyOf(byKid);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot use the node's signing keys", e);
    }
    // the protected headers never change: encoded once
    this.jwtHeader =
        new JWSHeader.Builder(ALG)
            .keyID(signingKey.getKeyID())
            .type(JOSEObjectType.JWT)
            .build()
            .toBase64URL()
            .toString();
    this.detachedHeader =
        new JWSHeader.Builder(ALG).keyID(signingKey.getKeyID()).build().toBase64URL().toString();
    this.publicKeys = new JWKSet(keys.stream().map(k -> (JWK) k.toPublicJWK()).toList());
    this.publicJwks = publicKeys.toString(true);
  }

  /**
   * The shared keys file when {@code statehouse.identity.signing-keys-file} is set; otherwise this
   * node's generated key, created on first start and kept in {@code generated-keys-file}.
   */
  public static NodeKeys fromConfig(Config root) {
    return fromSettings(IdentitySettings.fromConfig(root));
  }

  public static NodeKeys fromSettings(IdentitySettings settings) {
    if (settings.signingKeysFile().isPresent()) {
      Path file = settings.signingKeysFile().get();
      NodeKeys keys = load(file);
      warnIfReadableByOthers(file);
      log.info(
          "Signing tool-call identity tokens with key {} from {} ({} key(s) published)",
          keys.signingKeyId(),
          file,
          keys.publicKeys.size());
      return keys;
    }
    NodeKeys keys = loadOrGenerate(settings.generatedKeysFile());
    log.info(
        "Signing tool-call identity tokens with key {}, generated for this node and kept in {}."
            + " A cluster must configure statehouse.identity.signing-keys-file, one file shared by"
            + " all nodes.",
        keys.signingKeyId(),
        settings.generatedKeysFile());
    return keys;
  }

  /** Reads a JWK Set of private EC P-256 keys; anything else stops the node from starting. */
  public static NodeKeys load(Path file) {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the signing keys file " + file, e);
    }
    JWKSet set;
    try {
      set = JWKSet.parse(json);
    } catch (ParseException e) {
      // the parser's message may quote the file, and the file holds private keys
      throw new IllegalArgumentException("the signing keys file " + file + " is not a JWK Set");
    }
    return of(set, file.toString());
  }

  /** Keys from a JWK Set holding private EC P-256 keys, the signing key first. */
  public static NodeKeys of(JWKSet privateKeys) {
    return of(privateKeys, "the JWK Set");
  }

  /** One fresh key in memory, not kept anywhere: for tests and tools. */
  public static NodeKeys generate() {
    return new NodeKeys(List.of(newKey()));
  }

  /**
   * The key kept in {@code file}, or a new one written there (mode 600) when the file does not
   * exist. Two nodes generating at once: the first file to land wins and both use it.
   */
  static NodeKeys loadOrGenerate(Path file) {
    if (Files.exists(file)) {
      return load(file);
    }
    ECKey key = newKey();
    String json = new JWKSet(key).toString(false);
    try {
      Path dir = file.toAbsolutePath().getParent();
      boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
      if (posix) {
        Files.createDirectories(dir, perms("rwx------"));
      } else {
        Files.createDirectories(dir);
      }
      Path tmp =
          posix
              ? Files.createTempFile(dir, ".signing-keys", ".tmp", perms("rw-------"))
              : Files.createTempFile(dir, ".signing-keys", ".tmp");
      try {
        Files.writeString(tmp, json, StandardCharsets.UTF_8);
        Files.move(tmp, file);
      } catch (FileAlreadyExistsException raced) {
        return load(file);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the generated signing key to " + file, e);
    }
    return load(file);
  }

  private static NodeKeys of(JWKSet set, String source) {
    if (set.isEmpty()) {
      throw new IllegalArgumentException(source + " holds no keys");
    }
    List<ECKey> keys = new ArrayList<>();
    Set<String> kids = new HashSet<>();
    for (JWK jwk : set.getKeys()) {
      String kid = jwk.getKeyID();
      if (kid == null || kid.isBlank()) {
        throw new IllegalArgumentException("every key in " + source + " needs a \"kid\"");
      }
      if (!kids.add(kid)) {
        throw new IllegalArgumentException(source + " has two keys with kid '" + kid + "'");
      }
      if (!(jwk instanceof ECKey ec) || !Curve.P_256.equals(ec.getCurve())) {
        throw new IllegalArgumentException(
            "key '" + kid + "' in " + source + " is not an EC P-256 key (ES256)");
      }
      if (!ec.isPrivate()) {
        throw new IllegalArgumentException(
            "key '" + kid + "' in " + source + " has no private part (\"d\")");
      }
      if (ec.getAlgorithm() != null && !ALG.equals(ec.getAlgorithm())) {
        throw new IllegalArgumentException("key '" + kid + "' in " + source + " is not for ES256");
      }
      if (ec.getKeyUse() != null && !KeyUse.SIGNATURE.equals(ec.getKeyUse())) {
        throw new IllegalArgumentException(
            "key '" + kid + "' in " + source + " is not a signing key (\"use\")");
      }
      keys.add(ec);
    }
    return new NodeKeys(keys);
  }

  private static ECKey newKey() {
    try {
      // the kid is the key's RFC 7638 thumbprint: stable, and unique without coordination
      return new ECKeyGenerator(Curve.P_256)
          .keyUse(KeyUse.SIGNATURE)
          .algorithm(ALG)
          .keyIDFromThumbprint(true)
          .generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate an EC P-256 key", e);
    }
  }

  private static FileAttribute<Set<PosixFilePermission>> perms(String spec) {
    return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(spec));
  }

  private static void warnIfReadableByOthers(Path file) {
    try {
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
        if (p.contains(PosixFilePermission.GROUP_READ)
            || p.contains(PosixFilePermission.OTHERS_READ)) {
          log.warn("The signing keys file {} is readable by other users; make it mode 600", file);
        }
      }
    } catch (IOException e) {
      log.warn("cannot read the permissions of {}: {}", file, e.toString());
    }
  }

  /** The {@code kid} of the key that signs. */
  public String signingKeyId() {
    return signingKey.getKeyID();
  }

  /** The public JWK Set (signing and retired keys) as JSON; never a private part. */
  public String publicJwks() {
    return publicJwks;
  }

  /** The public keys, signing key first. */
  public JWKSet publicJwkSet() {
    return publicKeys;
  }

  /** A compact JWT ({@code typ: JWT}, {@code alg: ES256}, the signing key's {@code kid}). */
  public String sign(JWTClaimsSet claims) {
    return signJwt(claims.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A compact JWT over {@code claimsJson}, a JSON object the caller rendered: {@code
   * <header>.<claims>.<signature>}, each base64url-encoded.
   */
  public String signJwt(byte[] claimsJson) {
    String signingInput = jwtHeader + '.' + BASE64URL.encodeToString(claimsJson);
    return signingInput + '.' + signature(signingInput);
  }

  /**
   * A compact JWS over {@code payload} with the payload detached: {@code <header>..<signature>}.
   * Verify with {@link #verifyDetached} or any JOSE library, giving it the same bytes
   * (base64url-encoded as the JWS payload) and the key named by the header's {@code kid} in {@link
   * #publicJwks()}.
   */
  public String signDetached(byte[] payload) {
    String signingInput = detachedHeader + '.' + BASE64URL.encodeToString(payload);
    return detachedHeader + ".." + signature(signingInput);
  }

  private String signature(String signingInput) {
    return BASE64URL.encodeToString(signer.sign(signingInput.getBytes(StandardCharsets.US_ASCII)));
  }

  /**
   * Whether {@code detachedJws} (from {@link #signDetached}) is an ES256 signature over {@code
   * payload} by one of these keys, signing or retired. False for anything malformed.
   */
  public boolean verifyDetached(String detachedJws, byte[] payload) {
    try {
      JWSObject jws = JWSObject.parse(detachedJws, new Payload(payload));
      String kid = jws.getHeader().getKeyID();
      JWSVerifier verifier = kid == null ? null : verifiers.get(kid);
      return ALG.equals(jws.getHeader().getAlgorithm()) && verifier != null && jws.verify(verifier);
    } catch (ParseException | JOSEException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The claims of {@code compactJwt} when it is an ES256 JWT (from {@link #sign} or {@link
   * #signJwt}) signed by one of these keys, signing or retired; empty for anything malformed,
   * unsigned, of another algorithm or by an unknown {@code kid}. Only the signature is checked: the
   * caller checks every claim it relies on ({@code iss}, {@code aud}, {@code exp}, …), and bounds
   * the token's length before calling, as the whole token is parsed.
   */
  public Optional<JWTClaimsSet> verifyJwt(String compactJwt) {
    if (compactJwt == null) {
      return Optional.empty();
    }
    try {
      SignedJWT jwt = SignedJWT.parse(compactJwt);
      String kid = jwt.getHeader().getKeyID();
      JWSVerifier verifier = kid == null ? null : verifiers.get(kid);
      if (!ALG.equals(jwt.getHeader().getAlgorithm())
          || verifier == null
          || !jwt.verify(verifier)) {
        return Optional.empty();
      }
      return Optional.of(jwt.getJWTClaimsSet());
    } catch (ParseException | JOSEException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}

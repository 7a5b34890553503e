package io.statehouse.api.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import io.statehouse.runtime.Principal;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * One trusted issuer of callers' JWTs (an entry of {@code statehouse.api.jwt.issuers}): its
 * verification keys, the algorithms it may use, the audience a token must name, and which claims
 * carry tenant, subject and roles. Keys come from exactly one of a JWKS file (read at start), a
 * JWKS URL (cached, refreshed ahead of expiry in the background) or a shared HS256 secret named by
 * an environment variable.
 */
final class JwtIssuer implements AutoCloseable {
  /** The algorithms Statehouse accepts from callers. Never {@code none}. */
  static final Set<JWSAlgorithm> SUPPORTED =
      Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256, JWSAlgorithm.HS256);

  private static final int MAX_SUBJECT_CHARS = 256;
  private static final int MAX_ROLES = 64;
  private static final int MAX_ROLE_CHARS = 64;
  private static final int MIN_HS256_SECRET_BYTES = 32;
  private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");

  /** Why a well-formed, correctly signed token is still refused. */
  static final class Unmapped extends Exception {
    private static final long serialVersionUID = 1L;

    Unmapped(String message) {
      super(message, null, false, false);
    }
  }

  private final String issuer;
  private final boolean remoteKeys;
  private final String tenantClaim;
  private final String subjectClaim;
  private final String rolesClaim;
  private final Set<String> allowedTenants;
  private final JWKSource<SecurityContext> keys;
  private final DefaultJWTProcessor<SecurityContext> processor;

  private JwtIssuer(
      String issuer,
      boolean remoteKeys,
      Config claims,
      Set<String> allowedTenants,
      JWKSource<SecurityContext> keys,
      DefaultJWTProcessor<SecurityContext> processor) {
    this.issuer = issuer;
    this.remoteKeys = remoteKeys;
    this.tenantClaim = claims.getString("tenant");
    this.subjectClaim = claims.getString("subject");
    this.rolesClaim = claims.getString("roles");
    this.allowedTenants = allowedTenants;
    this.keys = keys;
    this.processor = processor;
  }

  /**
   * One issuer from its config entry (over {@code statehouse.api.jwt.issuer-defaults}). A mistake
   * stops the node from starting, with a message that never contains a secret.
   */
  static JwtIssuer fromConfig(Config entry, Config jwt, UnaryOperator<String> env, Clock clock) {
    Config c = entry.withFallback(jwt.getConfig("issuer-defaults"));
    String issuer = c.getString("issuer").trim();
    String where = "statehouse.api.jwt.issuers '" + issuer + "': ";
    if (issuer.isEmpty()) {
      throw new IllegalArgumentException("statehouse.api.jwt.issuers: issuer must not be empty");
    }
    List<String> audience =
        c.getValue("audience").valueType() == ConfigValueType.LIST
            ? c.getStringList("audience")
            : List.of(c.getString("audience"));
    if (audience.isEmpty() || audience.stream().anyMatch(String::isBlank)) {
      throw new IllegalArgumentException(where + "audience must name at least one audience");
    }
    List<String> sources =
        List.of("jwks-file", "jwks-url", "hs256-secret-env").stream().filter(c::hasPath).toList();
    if (sources.size() != 1) {
      throw new IllegalArgumentException(
          where + "needs exactly one of jwks-file, jwks-url, hs256-secret-env");
    }
    String source = sources.get(0);
    boolean secret = source.equals("hs256-secret-env");
    Set<JWSAlgorithm> algorithms = algorithms(c, secret, where);

    JWKSource<SecurityContext> keys =
        switch (source) {
          case "jwks-file" -> fileKeys(c.getString("jwks-file"), where);
          case "jwks-url" -> urlKeys(c.getString("jwks-url"), jwt.getConfig("jwks-url"), where);
          default -> secretKeys(c.getString("hs256-secret-env"), env, where);
        };

    DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    // typ may be absent, "JWT", or "at+jwt" (RFC 9068 access tokens)
    processor.setJWSTypeVerifier(
        new DefaultJOSEObjectTypeVerifier<>(
            JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null));
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keys));
    Set<String> required = new HashSet<>(Set.of("iss", "aud", "exp"));
    if (c.getBoolean("require-nbf")) {
      required.add("nbf");
    }
    DefaultJWTClaimsVerifier<SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(
            new HashSet<>(audience),
            new JWTClaimsSet.Builder().issuer(issuer).build(),
            required,
            null) {
          @Override
          protected Date currentTime() {
            return Date.from(clock.instant());
          }
        };
    claims.setMaxClockSkew((int) c.getDuration("clock-skew").toSeconds());
    processor.setJWTClaimsSetVerifier(claims);
    return new JwtIssuer(
        issuer,
        source.equals("jwks-url"),
        c.getConfig("claims"),
        Set.copyOf(c.getStringList("allowed-tenants")),
        keys,
        processor);
  }

  private static Set<JWSAlgorithm> algorithms(Config c, boolean secret, String where) {
    if (!c.hasPath("algorithms")) {
      return secret ? Set.of(JWSAlgorithm.HS256) : Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);
    }
    Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
    for (String name : c.getStringList("algorithms")) {
      JWSAlgorithm alg = JWSAlgorithm.parse(name.trim());
      if (!SUPPORTED.contains(alg)) {
        throw new IllegalArgumentException(
            where + "algorithm '" + name + "' is not one of RS256, ES256, HS256");
      }
      algorithms.add(alg);
    }
    if (algorithms.isEmpty()) {
      throw new IllegalArgumentException(where + "algorithms must not be empty");
    }
    // A shared secret verifies HS256 only, and published keys never do: so a token signed with
    // HMAC over an issuer's public key (algorithm confusion) finds no key to verify with.
    boolean hmac = algorithms.contains(JWSAlgorithm.HS256);
    if (secret && (!hmac || algorithms.size() > 1)) {
      throw new IllegalArgumentException(where + "hs256-secret-env allows algorithms = [HS256]");
    }
    if (!secret && hmac) {
      throw new IllegalArgumentException(
          where + "HS256 needs hs256-secret-env; a JWKS issuer uses RS256 or ES256");
    }
    return Set.copyOf(algorithms);
  }

  private static JWKSource<SecurityContext> fileKeys(String path, String where) {
    try {
      // public parts only: a private key in the file is never used, and an HMAC key is dropped
      JWKSet set = JWKSet.load(new File(path)).toPublicJWKSet();
      if (set.isEmpty()) {
        throw new IllegalArgumentException(where + "jwks-file " + path + " holds no public keys");
      }
      return new ImmutableJWKSet<>(set);
    } catch (IOException e) {
      throw new IllegalArgumentException(where + "cannot read jwks-file " + path + ": " + e);
    } catch (ParseException e) {
      throw new IllegalArgumentException(where + "jwks-file " + path + " is not a JWK Set");
    }
  }

  private static JWKSource<SecurityContext> urlKeys(String raw, Config fetch, String where) {
    URL url;
    try {
      url = URI.create(raw).toURL();
    } catch (IllegalArgumentException | MalformedURLException e) {
      throw new IllegalArgumentException(where + "jwks-url is not a URL");
    }
    // keys fetched in clear could be swapped on the way: https, except for this machine itself
    if (!url.getProtocol().equals("https")
        && !(url.getProtocol().equals("http") && isLoopback(url.getHost()))) {
      throw new IllegalArgumentException(where + "jwks-url must be https");
    }
    DefaultResourceRetriever retriever =
        new DefaultResourceRetriever(
            millis(fetch.getDuration("connect-timeout")),
            millis(fetch.getDuration("read-timeout")),
            (int) fetch.getMemorySize("max-size").toBytes());
    ExecutorService refresher = Executors.newSingleThreadExecutor(JwtIssuer::daemon);
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(JwtIssuer::daemon);
    return JWKSourceBuilder.<SecurityContext>create(url, retriever)
        .cache(
            fetch.getDuration("cache-ttl").toMillis(),
            fetch.getDuration("refresh-timeout").toMillis())
        .refreshAheadCache(
            fetch.getDuration("refresh-ahead").toMillis(), null, refresher, true, scheduler, true)
        .rateLimited(fetch.getDuration("min-refetch-interval").toMillis())
        .build();
  }

  private static JWKSource<SecurityContext> secretKeys(
      String variable, UnaryOperator<String> env, String where) {
    String value = env.apply(variable);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(
          where + "environment variable " + variable + " (hs256-secret-env) is not set");
    }
    byte[] secret = value.getBytes(StandardCharsets.UTF_8);
    if (secret.length < MIN_HS256_SECRET_BYTES) {
      throw new IllegalArgumentException(
          where
              + "the secret in "
              + variable
              + " must be at least "
              + MIN_HS256_SECRET_BYTES
              + " bytes");
    }
    return new ImmutableSecret<>(secret);
  }

  private static boolean isLoopback(String host) {
    try {
      return host.equals("localhost") || InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "statehouse-jwks-refresh");
    t.setDaemon(true);
    return t;
  }

  String issuer() {
    return issuer;
  }

  /** Whether checking a token may wait for a key fetch (a JWKS URL): callers run it off-thread. */
  boolean remoteKeys() {
    return remoteKeys;
  }

  /** Fetches the keys once (a JWKS URL), so the first caller does not wait for them. */
  void prefetch() throws KeySourceException {
    keys.get(new JWKSelector(new JWKMatcher.Builder().build()), null);
  }

  /**
   * The principal of a token from this issuer: signature, algorithm, {@code iss}, {@code aud},
   * {@code exp} and {@code nbf} checked by Nimbus, then tenant, subject and roles mapped.
   */
  JWTClaimsSet verify(SignedJWT jwt) throws BadJOSEException, JOSEException {
    return processor.process(jwt, null);
  }

  Principal principal(JWTClaimsSet claims) throws Unmapped {
    Object tenant = claim(claims, tenantClaim);
    if (!(tenant instanceof String t) || !ApiKeys.validTenant(t)) {
      throw new Unmapped("no valid tenant in claim '" + tenantClaim + "'");
    }
    if (!allowedTenants.isEmpty() && !allowedTenants.contains(t)) {
      throw new Unmapped("tenant not allowed for this issuer");
    }
    Object subject = claim(claims, subjectClaim);
    if (!(subject instanceof String s)
        || s.isBlank()
        || s.length() > MAX_SUBJECT_CHARS
        || CONTROL.matcher(s).find()) {
      throw new Unmapped("no valid subject in claim '" + subjectClaim + "'");
    }
    return new Principal(t, s, roles(claim(claims, rolesClaim)));
  }

  /** A list of strings, or one space-separated string (as OAuth scopes are); nothing is no role. */
  private static List<String> roles(Object value) throws Unmapped {
    List<String> roles = new ArrayList<>();
    if (value instanceof String spaced) {
      for (String r : spaced.trim().split("\\s+")) {
        if (!r.isEmpty()) {
          roles.add(r);
        }
      }
    } else if (value instanceof List<?> list) {
      for (Object r : list) {
        if (r instanceof String role) {
          roles.add(role);
        }
      }
    }
    if (roles.size() > MAX_ROLES
        || roles.stream().anyMatch(r -> r.length() > MAX_ROLE_CHARS || CONTROL.matcher(r).find())) {
      throw new Unmapped("too many or malformed roles");
    }
    return roles;
  }

  /**
   * A claim by name; a name with dots that is not itself a claim is a path into nested objects
   * ({@code realm_access.roles}). Claim names that are URLs contain dots too, so the name is tried
   * first.
   */
  private static Object claim(JWTClaimsSet claims, String name) {
    Object direct = claims.getClaim(name);
    if (direct != null || name.indexOf('.') < 0) {
      return direct;
    }
    Object node = claims.getClaims();
    for (String part : name.split("\\.")) {
      if (!(node instanceof Map<?, ?> map)) {
        return null;
      }
      node = map.get(part);
    }
    return node;
  }

  @Override
  public void close() {
    if (keys instanceof Closeable closeable) {
      try {
        closeable.close();
      } catch (IOException e) {
        // nothing to release beyond the refresh threads, which are daemons
      }
    }
  }
}

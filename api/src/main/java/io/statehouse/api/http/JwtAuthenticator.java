package io.statehouse.api.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jwt.SignedJWT;
import com.typesafe.config.Config;
import io.statehouse.runtime.Principal;
import java.text.ParseException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer JWTs of the issuers in {@code statehouse.api.jwt.issuers}. The token's (not yet trusted)
 * {@code iss} picks the issuer; that issuer's keys, algorithms, audience and times then decide.
 * {@code alg: none} is never accepted (it is not a signed JWT), nor is any algorithm the issuer was
 * not configured with.
 *
 * <p>Routes authenticate on a Pekko dispatcher thread. A token of an issuer with static keys (file
 * or secret) is checked there: it is CPU work only. A token of a JWKS URL issuer may wait for a key
 * fetch (first use, an unknown {@code kid}), so it is checked on the executor given here, a
 * blocking dispatcher; the keys are fetched once at start and refreshed ahead of expiry in the
 * background, so such waits are rare.
 */
public final class JwtAuthenticator implements Authenticator, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JwtAuthenticator.class);

  private final Map<String, JwtIssuer> issuers;
  private final Executor blocking;

  private JwtAuthenticator(Map<String, JwtIssuer> issuers, Executor blocking) {
    this.issuers = issuers;
    this.blocking = blocking;
  }

  /**
   * The issuers of {@code statehouse.api.jwt}; {@code env} resolves the variables named by {@code
   * hs256-secret-env}; {@code blocking} runs checks that may fetch keys. JWKS URLs are first
   * fetched on {@code blocking}, not here.
   */
  public static JwtAuthenticator fromConfig(
      Config root, UnaryOperator<String> env, Executor blocking, Clock clock) {
    Config jwt = root.getConfig("statehouse.api.jwt");
    Map<String, JwtIssuer> issuers = new LinkedHashMap<>();
    for (Config entry : jwt.getConfigList("issuers")) {
      JwtIssuer issuer = JwtIssuer.fromConfig(entry, jwt, env, clock);
      if (issuers.putIfAbsent(issuer.issuer(), issuer) != null) {
        throw new IllegalArgumentException(
            "statehouse.api.jwt.issuers: issuer '" + issuer.issuer() + "' is listed twice");
      }
    }
    JwtAuthenticator authenticator = new JwtAuthenticator(Map.copyOf(issuers), blocking);
    issuers.values().stream().filter(JwtIssuer::remoteKeys).forEach(authenticator::prefetch);
    if (!issuers.isEmpty()) {
      log.info("Accepting bearer JWTs of issuers {}", issuers.keySet());
    }
    return authenticator;
  }

  private void prefetch(JwtIssuer issuer) {
    blocking.execute(
        () -> {
          try {
            issuer.prefetch();
          } catch (KeySourceException | RuntimeException e) {
            log.warn(
                "Cannot fetch the JWKS of issuer {} yet; its callers get 401 until it can be"
                    + " fetched: {}",
                issuer.issuer(),
                e.toString());
          }
        });
  }

  @Override
  public CompletionStage<Optional<Principal>> principalOf(String authorizationHeader) {
    Optional<String> token = Authenticator.bearerToken(authorizationHeader);
    if (token.isEmpty() || !Authenticator.looksLikeJwt(token.get())) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    Optional<Checked> parsed = parse(token.get());
    if (parsed.isEmpty()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    Checked c = parsed.get();
    if (!c.issuer().remoteKeys()) {
      return CompletableFuture.completedFuture(verify(c));
    }
    try {
      return CompletableFuture.supplyAsync(() -> verify(c), blocking);
    } catch (RejectedExecutionException e) {
      log.warn("no thread to check a JWT on: {}", e.toString());
      return CompletableFuture.completedFuture(Optional.empty());
    }
  }

  /**
   * The principal of a compact JWT, checked on the calling thread (which may wait for a key fetch
   * of a JWKS URL issuer).
   */
  public Optional<Principal> verify(String token) {
    return parse(token).flatMap(this::verify);
  }

  private record Checked(SignedJWT jwt, JwtIssuer issuer) {}

  /** A signed JWT whose {@code iss} names a configured issuer; not yet verified. */
  private Optional<Checked> parse(String token) {
    try {
      // SignedJWT refuses "alg": "none" (an unsecured JWT is not a JWS)
      SignedJWT jwt = SignedJWT.parse(token);
      String iss = jwt.getJWTClaimsSet().getIssuer();
      JwtIssuer issuer = iss == null ? null : issuers.get(iss);
      if (issuer == null) {
        log.debug("JWT refused: its issuer is not configured");
        return Optional.empty();
      }
      return Optional.of(new Checked(jwt, issuer));
    } catch (ParseException e) {
      log.debug("JWT refused: not a signed JWT");
      return Optional.empty();
    }
  }

  private Optional<Principal> verify(Checked c) {
    try {
      return Optional.of(c.issuer().principal(c.issuer().verify(c.jwt())));
    } catch (BadJOSEException | JOSEException | JwtIssuer.Unmapped e) {
      // the reason names claims and checks, never the token
      log.debug("JWT of issuer {} refused: {}", c.issuer().issuer(), e.getMessage());
      return Optional.empty();
    } catch (RuntimeException e) {
      log.warn("JWT of issuer {} could not be checked: {}", c.issuer().issuer(), e.toString());
      return Optional.empty();
    }
  }

  /** Stops the background refresh of JWKS URLs. */
  @Override
  public void close() {
    issuers.values().forEach(JwtIssuer::close);
  }
}

package io.statehouse.api.http;

import io.statehouse.runtime.Principal;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Turns an {@code Authorization} header into the caller's {@link Principal}: API keys ({@link
 * ApiKeys}) and bearer JWTs of configured issuers ({@link JwtAuthenticator}).
 */
public interface Authenticator {

  /**
   * The principal for an {@code Authorization} header value (null when absent); empty when the
   * header carries no valid credential. Never completes exceptionally.
   */
  CompletionStage<Optional<Principal>> principalOf(String authorizationHeader);

  /**
   * A bearer token that looks like a JWT (three dot-separated parts) is checked as a JWT only;
   * anything else as an API key only. So an API key never reaches an issuer's key fetch, and a JWT
   * is never hashed and compared with the keys.
   */
  static Authenticator byTokenShape(Authenticator apiKeys, Authenticator jwts) {
    return header ->
        bearerToken(header).filter(Authenticator::looksLikeJwt).isPresent()
            ? jwts.principalOf(header)
            : apiKeys.principalOf(header);
  }

  /** The token of {@code Bearer <token>} (scheme case-insensitive), if there is one. */
  static Optional<String> bearerToken(String authorizationHeader) {
    if (authorizationHeader == null
        || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    String token = authorizationHeader.substring(7).trim();
    return token.isEmpty() ? Optional.empty() : Optional.of(token);
  }

  /** Three non-empty dot-separated parts: the compact form of a signed JWT. */
  static boolean looksLikeJwt(String token) {
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    return first > 0
        && second > first + 1
        && second < token.length() - 1
        && token.indexOf('.', second + 1) < 0;
  }
}

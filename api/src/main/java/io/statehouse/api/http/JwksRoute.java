package io.statehouse.api.http;

import io.statehouse.runtime.identity.NodeKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /.well-known/jwks.json}, without a key: the public keys a tool verifies the node's
 * identity tokens with. Cacheable for {@code statehouse.identity.jwks-max-age}.
 */
public final class JwksRoute extends AllDirectives {
  private final HttpResponse response;

  public JwksRoute(NodeKeys keys, Duration maxAge) {
    this.response =
        HttpResponse.create()
            .withEntity(
                ContentTypes.APPLICATION_JSON, keys.publicJwks().getBytes(StandardCharsets.UTF_8))
            .addHeader(
                CacheControl.create(
                    CacheDirectives.PUBLIC, CacheDirectives.MAX_AGE(maxAge.toSeconds())));
  }

  public Route route() {
    return path(
        PathMatchers.segment(".well-known").slash("jwks.json"),
        () -> get(() -> complete(response)));
  }
}

package io.statehouse.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.runtime.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
  private final List<String> asked = new ArrayList<>();
  private final Authenticator keys = recording("keys");
  private final Authenticator jwts = recording("jwts");
  private final Authenticator both = Authenticator.byTokenShape(keys, jwts);

  @Test
  void aJwtShapedTokenIsCheckedAsAJwtOnlyAndAnythingElseAsAnApiKeyOnly() {
    both.principalOf("Bearer aaa.bbb.ccc");
    both.principalOf("Bearer sh-demo-acme-alice");
    both.principalOf("Bearer a.b");
    both.principalOf("Bearer a.b.c.d");
    both.principalOf(null);
    assertEquals(List.of("jwts", "keys", "keys", "keys", "keys"), asked);
  }

  @Test
  void onlyThreeNonEmptyPartsLookLikeAJwt() {
    assertTrue(Authenticator.looksLikeJwt("h.p.s"));
    assertFalse(Authenticator.looksLikeJwt("h.p."));
    assertFalse(Authenticator.looksLikeJwt(".p.s"));
    assertFalse(Authenticator.looksLikeJwt("h..s"));
    assertFalse(Authenticator.looksLikeJwt("h.p.s.x"));
    assertFalse(Authenticator.looksLikeJwt("plain-key"));
  }

  @Test
  void theBearerSchemeIsCaseInsensitiveAndTheTokenTrimmed() {
    assertEquals(Optional.of("tok"), Authenticator.bearerToken("bearer  tok "));
    assertEquals(Optional.empty(), Authenticator.bearerToken("Basic dG9r"));
    assertEquals(Optional.empty(), Authenticator.bearerToken("Bearer   "));
    assertEquals(Optional.empty(), Authenticator.bearerToken(null));
  }

  private Authenticator recording(String name) {
    return header -> {
      asked.add(name);
      return CompletableFuture.completedFuture(Optional.<Principal>empty());
    };
  }
}

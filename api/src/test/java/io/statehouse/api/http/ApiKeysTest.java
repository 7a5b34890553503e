package io.statehouse.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.Principal;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
  private final ApiKeys keys =
      ApiKeys.fromConfig(
          ConfigFactory.parseString(
              "statehouse.api.keys = [{ sha256 = \""
                  + ApiKeys.sha256Hex("k-1")
                  + "\", tenant = acme, subject = alice, roles = [approver] }]"));

  @Test
  void aKnownBearerKeyMapsToItsPrincipal() {
    assertEquals(
        new Principal("acme", "alice", List.of("approver")),
        keys.authenticate("Bearer k-1").orElseThrow());
    assertEquals("acme", keys.authenticate("bearer  k-1 ").orElseThrow().tenant());
  }

  @Test
  void anythingElseIsNoPrincipal() {
    assertTrue(keys.authenticate("Bearer k-2").isEmpty());
    assertTrue(keys.authenticate("Basic k-1").isEmpty());
    assertTrue(keys.authenticate(null).isEmpty());
    assertTrue(keys.authenticate("Bearer").isEmpty());
  }

  @Test
  void aMalformedKeyEntryStopsTheNodeFromStarting() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ApiKeys.fromConfig(
                ConfigFactory.parseString(
                    "statehouse.api.keys = [{ sha256 = \"abc\", tenant = acme, subject = a }]")));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ApiKeys.fromConfig(
                ConfigFactory.parseString(
                    "statehouse.api.keys = [{ sha256 = \""
                        + ApiKeys.sha256Hex("x")
                        + "\", tenant = \"ACME:1\", subject = a }]")));
  }
}

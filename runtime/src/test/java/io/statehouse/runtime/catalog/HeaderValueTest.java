package io.statehouse.runtime.catalog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.testing.Specs;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class HeaderValueTest {
  private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());

  /** HttpTarget as journals before issue 5 hold it: header values were plain strings. */
  record OldHttpTarget(String method, String url, Map<String, String> headers)
      implements CborSerializable {}

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static Serialization serialization() {
    return SerializationExtension.get(testKit.system().classicSystem());
  }

  @Test
  void readsToolSpecsJournaledBeforeReferencesExisted() {
    // the journal's own serializer (Jackson CBOR) writes the old shape and reads the new type
    OldHttpTarget old = new OldHttpTarget("POST", "https://x.test/a", Map.of("X-Region", "eu"));
    Serializer serializer = serialization().findSerializerFor(old);
    byte[] bytes = serialization().serialize(old).get();

    HttpTarget read =
        (HttpTarget)
            serialization()
                .deserialize(bytes, serializer.identifier(), HttpTarget.class.getName())
                .get();

    assertEquals(Map.of("X-Region", new HeaderValue.Literal("eu")), read.headers());
  }

  @Test
  void literalsKeepTheOldShapeSoAuditHashesDoNotChange() {
    OldHttpTarget old = new OldHttpTarget("POST", "https://x.test/a", Map.of("X-Region", "eu"));
    HttpTarget now =
        new HttpTarget(
            "POST", "https://x.test/a", Map.of("X-Region", new HeaderValue.Literal("eu")));
    assertArrayEquals(Json.canonicalBytes(old), Json.canonicalBytes(now));
  }

  @Test
  void referencesRoundTripThroughTheJournalSerializerAsNamesOnly() {
    HttpTarget target =
        new HttpTarget(
            "POST",
            "https://x.test/a",
            Map.of(
                "Authorization", new HeaderValue.SecretRef("CRM_TOKEN"),
                "X-Region", new HeaderValue.Literal("eu")));
    byte[] bytes = serialization().serialize(target).get();
    Object back =
        serialization()
            .deserialize(
                bytes,
                serialization().findSerializerFor(target).identifier(),
                HttpTarget.class.getName())
            .get();

    assertEquals(target, back);
    assertEquals(
        "{\"Authorization\":{\"secret\":\"CRM_TOKEN\"},\"X-Region\":\"eu\"}",
        new String(Json.canonicalBytes(target.headers()), java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void aMalformedValueIsRefusedWithoutQuotingIt() {
    String json =
        "{\"method\":\"POST\",\"url\":\"u\",\"headers\":{\"X-Api-Key\":"
            + "{\"secret\":\"sk_live_123\",\"value\":\"sk_live_123\"}}}";
    JsonMappingException e =
        assertThrows(
            JsonMappingException.class, () -> Json.MAPPER.readValue(json, HttpTarget.class));
    assertFalse(e.getMessage().contains("sk_live_123"), e.getMessage());
  }

  @Test
  void printingASpecNeverPrintsALiteralValue() {
    ToolSpec spec = Specs.tool("t", true);
    ToolSpec withHeader =
        new ToolSpec(
            spec.name(),
            1,
            "",
            spec.inputSchema(),
            true,
            spec.timeout(),
            spec.retry(),
            new HttpTarget(
                "POST", "https://x.test", Map.of("X-Region", new HeaderValue.Literal("hunter2"))));
    assertFalse(withHeader.toString().contains("hunter2"), withHeader.toString());
  }

  @Test
  void credentialLikeHeaderNamesAreRecognised() {
    for (String name :
        new String[] {
          "Authorization",
          "proxy-authorization",
          "Cookie",
          "X-Api-Key",
          "X-Auth-Token",
          "X-Session-Id",
          "X-Client-Secret",
          "X-Signature",
          "X-Password"
        }) {
      assertTrue(HeaderValue.credentialLike(name), name);
    }
    assertFalse(HeaderValue.credentialLike("X-Region"));
    assertFalse(HeaderValue.credentialLike("Accept-Language"));
  }
}

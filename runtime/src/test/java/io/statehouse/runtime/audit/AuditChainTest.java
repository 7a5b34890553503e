package io.statehouse.runtime.audit;

import static io.statehouse.runtime.testing.Specs.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.session.EventMeta;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionEvent.ToolCallStarted;
import java.time.Instant;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.Test;

class AuditChainTest {
  private static final EventMeta META =
      new EventMeta(Instant.parse("2026-11-22T10:00:00Z"), "runtime", AuditChain.GENESIS);

  private static ToolCallStarted started(String inputJson) {
    return new ToolCallStarted(META, "t1", "c1", "search", json(inputJson), "k", 1);
  }

  @Test
  void theHashDoesNotDependOnTheOrderOfJsonObjectFields() {
    assertEquals(
        AuditChain.hash(started("{\"a\":1,\"b\":{\"x\":true,\"y\":[1,2]}}")),
        AuditChain.hash(started("{\"b\":{\"y\":[1,2],\"x\":true},\"a\":1}")));
  }

  @Test
  void anyChangeToTheEventChangesItsHash() {
    String original = AuditChain.hash(started("{\"a\":1}"));
    assertNotEquals(original, AuditChain.hash(started("{\"a\":2}")));
    assertNotEquals(
        original,
        AuditChain.hash(
            new ToolCallStarted(
                new EventMeta(META.at(), "runtime", "f".repeat(64)),
                "t1",
                "c1",
                "search",
                json("{\"a\":1}"),
                "k",
                1)));
  }

  @Test
  void theHashSurvivesTheJournalsSerializationRoundTrip() {
    ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    try {
      Serialization serialization = SerializationExtension.get(kit.system());
      SessionEvent event = started("{\"z\":\"last\",\"a\":[{\"k\":1.5}]}");
      byte[] bytes = serialization.serialize(event).get();
      String manifest = Serializers.manifestFor(serialization.findSerializerFor(event), event);
      Object back =
          serialization
              .deserialize(bytes, serialization.findSerializerFor(event).identifier(), manifest)
              .get();
      assertEquals(event, back);
      assertEquals(AuditChain.hash(event), AuditChain.hash(back));
    } finally {
      kit.shutdownTestKit();
    }
  }
}

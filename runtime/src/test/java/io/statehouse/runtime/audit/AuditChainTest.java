package io.statehouse.runtime.audit;

import static io.statehouse.runtime.testing.Specs.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.EventMeta;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionEvent.ModelReplied;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionEvent.ToolCallStarted;
import io.statehouse.runtime.testing.Specs;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.Test;

class AuditChainTest {
  private static final EventMeta META =
      new EventMeta(Instant.parse("2026-11-22T10:00:00Z"), "runtime", AuditChain.GENESIS);

  private static ToolCallStarted started(String inputJson) {
    return new ToolCallStarted(meta(), "t1", "c1", "search", json(inputJson), "k", 1);
  }

  /** A fresh copy of {@link #META}: an event's metadata holds its seal, so one per event. */
  private static EventMeta meta() {
    return new EventMeta(META.at(), META.actor(), META.prevHash());
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

  @Test
  void anEventHashedBeforeSealingKeepsItsHashWhenSealed() {
    // values captured from the code before sealing: a chain written then stays valid
    ToolCallStarted event =
        new ToolCallStarted(
            new EventMeta(
                Instant.parse("2026-11-22T10:00:01.5Z"),
                "runtime",
                "df8c43fe17bf9367dd0771c11c53fec919171610f8b0f160173cee77669647b5"),
            "turn_1",
            "call_1",
            "search",
            json("{\"q\":\"x\",\"n\":[1,2.5,true]}"),
            "idem-1",
            1);
    String before = "26ab7e26fac22a30c34d91f65adeade010e5e81a99340536c3d0d7e51353ba9c";
    assertEquals(before, AuditChain.hash(event));
    assertEquals(before, AuditChain.seal(event).hash());
  }

  @Test
  void theStoredFormIsTheCanonicalJsonTheChainAlwaysHashed() {
    List<SessionEvent> events =
        List.of(
            new SessionCreated(
                meta(),
                "ses_1",
                Specs.ALICE,
                Specs.agent(List.of("search"), 4, true, 10L, Specs.text("hello")),
                List.of(Specs.tool("search", true)),
                Map.of("z", "1", "a", "2")),
            started("{\"b\":{\"y\":[1,{\"d\":1,\"c\":2}],\"x\":true},\"a\":1.25}"),
            new ModelReplied(
                meta(),
                "t1",
                1,
                "text",
                List.of(new ToolUse("u1", "search", json("{\"q\":\"x\"}"))),
                "tool_use",
                new Usage(10, 2, new BigDecimal("0.00042"))));
    for (SessionEvent e : events) {
      assertEquals(
          new String(Json.canonicalBytes(e), StandardCharsets.UTF_8),
          AuditChain.seal(e).json(),
          e.getClass().getSimpleName());
    }
  }
}

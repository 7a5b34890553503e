package io.statehouse.runtime.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.json.Json;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.Test;

/** Rules are pinned in agent specs and decisions go into events: both must read back as written. */
class PolicySerializationTest {

  @Test
  void rulesAndDecisionsSurviveTheJournalsSerialization() {
    ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    try {
      Serialization serialization = SerializationExtension.get(kit.system());
      for (Object value :
          List.of(
              PolicyRule.requireApproval(
                  "refund",
                  "input.amount > 100",
                  List.of("approver"),
                  "big refund",
                  Duration.ofMinutes(90)),
              PolicyRule.deny("*", null, null),
              new PolicyDecision(
                  PolicyEffect.REQUIRE_APPROVAL,
                  1,
                  "big refund",
                  List.of("approver", "operator"),
                  Duration.ofHours(2)),
              PolicyDecision.ALLOW_BY_DEFAULT)) {
        byte[] bytes = serialization.serialize(value).get();
        String manifest = Serializers.manifestFor(serialization.findSerializerFor(value), value);
        Object back =
            serialization
                .deserialize(bytes, serialization.findSerializerFor(value).identifier(), manifest)
                .get();
        assertEquals(value, back);
      }
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void effectsUseTheirWireNames() throws Exception {
    assertEquals(
        "\"require_approval\"", Json.MAPPER.writeValueAsString(PolicyEffect.REQUIRE_APPROVAL));
    PolicyRule rule =
        Json.MAPPER.readValue(
            "{\"tool\":\"refund\",\"when\":\"true\",\"effect\":\"deny\",\"reason\":\"no\"}",
            PolicyRule.class);
    assertEquals(PolicyRule.deny("refund", "true", "no"), rule);
    assertThrows(
        JsonMappingException.class,
        () -> Json.MAPPER.readValue("{\"tool\":\"x\",\"effect\":\"block\"}", PolicyRule.class));
  }
}

package io.statehouse.runtime.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.EventMeta;
import io.statehouse.runtime.session.SessionEvent.ModelReplied;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fields the model providers added (a model's {@code options}, cache tokens in {@code Usage})
 * leave events without them byte for byte as they were stored, and events stored before them read
 * back with none.
 */
class ProviderFieldsCompatibilityTest {
  private static final EventMeta META =
      new EventMeta(Instant.parse("2026-11-20T10:00:00Z"), "model", AuditChain.GENESIS);

  private static ModelReplied replied(Usage usage) {
    return new ModelReplied(META, "t1", 0, "hi", List.of(), "end_turn", usage);
  }

  @Test
  void anEventWithoutCacheTokensIsStoredAsBeforeTheyExisted() {
    String stored =
        new String(
            AuditChain.storedJson(replied(new Usage(10, 2, BigDecimal.ZERO))),
            StandardCharsets.UTF_8);
    assertFalse(stored.contains("cache"), stored);
    // the usage object of the time: exactly these three fields
    assertTrue(
        stored.contains("\"usage\":{\"costUsd\":0,\"inputTokens\":10,\"outputTokens\":2}"), stored);
  }

  @Test
  void anEventStoredBeforeCacheTokensReadsBackWithNone() throws Exception {
    String old =
        "{\"meta\":{\"actor\":\"model\",\"at\":\"2026-11-20T10:00:00Z\",\"prevHash\":\""
            + AuditChain.GENESIS
            + "\"},\"step\":0,\"stopReason\":\"end_turn\",\"text\":\"hi\",\"toolUses\":[],"
            + "\"turnId\":\"t1\",\"usage\":{\"costUsd\":0,\"inputTokens\":10,\"outputTokens\":2}}";
    ModelReplied read = Json.MAPPER.readValue(old, ModelReplied.class);
    assertNull(read.usage().cacheReadTokens());
    assertEquals(0, read.usage().cacheRead());
    assertEquals(12, read.usage().totalTokens());
    assertEquals(old, new String(AuditChain.storedJson(read), StandardCharsets.UTF_8));
  }

  @Test
  void cacheTokensAreStoredAndCountedWhenThereAreSome() {
    Usage u = new Usage(10, 2, BigDecimal.ZERO, 900L, 0L);
    assertNull(u.cacheWriteTokens(), "zero is stored as absent");
    assertEquals(912, u.totalTokens());
    assertEquals(1800, u.plus(u).cacheRead());
    String stored = new String(AuditChain.storedJson(replied(u)), StandardCharsets.UTF_8);
    assertTrue(stored.contains("\"cacheReadTokens\":900"), stored);
  }

  @Test
  void aModelSpecWithoutOptionsRendersAsBeforeOptionsExisted() throws Exception {
    ModelSpec scripted = new ModelSpec("scripted", null, null, true, List.of());
    assertFalse(Json.MAPPER.writeValueAsString(scripted).contains("options"));
    ModelSpec old =
        Json.MAPPER.readValue(
            "{\"provider\":\"scripted\",\"loop\":true,\"script\":[]}", ModelSpec.class);
    assertEquals(scripted, old);
    ModelSpec bedrock =
        new ModelSpec(
            "bedrock", "m", null, false, List.of(), Json.object().put("region", "us-east-1"));
    assertEquals(
        bedrock, Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(bedrock), ModelSpec.class));
  }
}

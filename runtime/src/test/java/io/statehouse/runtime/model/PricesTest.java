package io.statehouse.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.catalog.ModelSpec;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class PricesTest {
  private static ModelSpec model(String provider, String id) {
    return new ModelSpec(provider, id, null, false, List.of());
  }

  private static Prices table(String hocon) {
    return Prices.fromConfig(ConfigFactory.parseString(hocon));
  }

  @Test
  void theShippedTablePricesBedrockModelsByIdCrossRegionProfileAndArn() {
    Prices prices = Prices.fromConfig(ConfigFactory.load());
    String id = "anthropic.claude-3-5-haiku-20241022-v1:0";
    Price haiku = prices.of(model("bedrock", id)).orElseThrow();

    assertEquals(0, new BigDecimal("0.80").compareTo(haiku.inputPerMillion()));
    assertEquals(haiku, prices.of(model("bedrock", "us." + id)).orElseThrow());
    assertEquals(haiku, prices.of(model("bedrock", "global." + id)).orElseThrow());
    assertEquals(
        haiku,
        prices
            .of(
                model(
                    "bedrock", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us." + id))
            .orElseThrow());
    assertEquals(
        haiku,
        prices
            .of(model("bedrock", "arn:aws:bedrock:us-east-1::foundation-model/" + id))
            .orElseThrow());
    assertTrue(prices.of(model("bedrock", "vendor.unknown-model-v1:0")).isEmpty());
    assertTrue(prices.of(model("scripted", null)).isPresent(), "the offline provider is free");
  }

  @Test
  void cachePricesDefaultToTheInputPriceAndAStarPricesTheRest() {
    Prices prices =
        table(
            "statehouse.models.prices.p { \"m.1:0\" { input = 2, output = 4 }, \"*\" { input = 1,"
                + " output = 1, cache-read = 0.5 } }");

    Price m1 = prices.of(model("p", "m.1:0")).orElseThrow();
    Price other = prices.of(model("p", "anything")).orElseThrow();

    assertEquals(0, BigDecimal.valueOf(2).compareTo(m1.cacheReadPerMillion()));
    assertEquals(0, BigDecimal.valueOf(2).compareTo(m1.cacheWritePerMillion()));
    assertEquals(0, new BigDecimal("0.5").compareTo(other.cacheReadPerMillion()));
    assertEquals(
        0,
        new BigDecimal("0.000016").compareTo(m1.cost(new Usage(1, 2, BigDecimal.ZERO, 1L, 2L))),
        "1 * 2 + 2 * 4 + 1 * 2 + 2 * 2 micro-USD");
  }

  @Test
  void aPricedReplyKeepsItsTokensAndGainsItsCost() {
    Prices prices = table("statehouse.models.prices.p { m { input = 3, output = 15 } }");
    ModelReply reply =
        new ModelReply(
            "hi", List.of(), "end_turn", new Usage(1000, 100, BigDecimal.ZERO, 50L, null));

    ModelReply priced = prices.priced(model("p", "m"), reply);

    // 1000 * 3 + 100 * 15 + 50 * 3 = 4650 micro-USD
    assertEquals(0, new BigDecimal("0.00465").compareTo(priced.usage().costUsd()));
    assertEquals(1000, priced.usage().inputTokens());
    assertEquals(50, priced.usage().cacheRead());
    assertEquals(reply.text(), priced.text());
    assertEquals(reply, prices.priced(model("other", "m"), reply), "no price: unchanged");
  }

  @Test
  void aBrokenPriceTableIsRefusedAtStartWithItsPath() {
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () -> table("statehouse.models.prices.p { m { input = 3 } }"));
    IllegalArgumentException text =
        assertThrows(
            IllegalArgumentException.class,
            () -> table("statehouse.models.prices.p { m { input = cheap, output = 1 } }"));
    IllegalArgumentException negative =
        assertThrows(
            IllegalArgumentException.class,
            () -> table("statehouse.models.prices.p { m { input = -1, output = 1 } }"));

    assertTrue(missing.getMessage().contains("statehouse.models.prices.p.\"m\""));
    assertTrue(missing.getMessage().contains("output is required"));
    assertTrue(text.getMessage().contains("input must be a number"));
    assertTrue(negative.getMessage().contains("must not be negative"));
  }
}

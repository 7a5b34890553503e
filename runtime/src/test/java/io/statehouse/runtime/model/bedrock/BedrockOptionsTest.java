package io.statehouse.runtime.model.bedrock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.json.Json;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BedrockOptionsTest {
  private static final String HAIKU = "anthropic.claude-3-haiku-20240307-v1:0";

  private static BedrockOptions.Parsed parse(String id, String options) throws Exception {
    JsonNode o = options == null ? null : Json.MAPPER.readTree(options);
    return BedrockOptions.parse(new ModelSpec("bedrock", id, null, false, List.of(), o));
  }

  @Test
  void readsEveryOptionOfAFullDefinition() throws Exception {
    BedrockOptions o =
        parse(
                "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0",
                "{\"region\":\"eu-west-3\",\"maxTokens\":512,\"temperature\":0.2,\"topP\":0.9,"
                    + "\"stopSequences\":[\"END\"],\"additionalFields\":{\"top_k\":50},"
                    + "\"guardrail\":{\"id\":\"gr1abc\",\"version\":\"2\",\"trace\":\"enabled\"},"
                    + "\"promptCache\":\"auto\",\"streaming\":false}")
            .options()
            .orElseThrow();
    assertEquals(Optional.of("eu-west-3"), o.region());
    assertEquals(512, o.maxTokens());
    assertEquals(0.2f, o.temperature());
    assertEquals(0.9f, o.topP());
    assertEquals(List.of("END"), o.stopSequences());
    assertEquals(50, o.additionalFields().get("top_k").intValue());
    assertEquals(
        new BedrockOptions.Guardrail("gr1abc", "2", "enabled"), o.guardrail().orElseThrow());
    assertTrue(o.promptCache());
    assertFalse(o.streaming());
  }

  @Test
  void aModelIdAloneStreamsWithoutCachingOrGuardrail() throws Exception {
    BedrockOptions o = parse(HAIKU, null).options().orElseThrow();
    assertTrue(o.streaming());
    assertFalse(o.promptCache());
    assertTrue(o.guardrail().isEmpty());
    assertTrue(o.region().isEmpty());
  }

  @Test
  void namesEveryProblemWithItsField() throws Exception {
    BedrockOptions.Parsed p =
        parse(
            null,
            "{\"temperature\":3,\"topP\":-1,\"maxTokens\":0,\"stopSequences\":[\"a\",\"b\",\"c\",\"d\",\"e\"],"
                + "\"guardrail\":{\"id\":\"gr\",\"version\":\"latest\"},\"promptCache\":\"always\","
                + "\"region\":\"moon-1\",\"temprature\":0.5,\"streaming\":\"yes\","
                + "\"additionalFields\":[1]}");
    assertTrue(p.options().isEmpty());
    String all = String.join("\n", p.problems());
    for (String field :
        List.of(
            "model.id",
            "model.temperature",
            "model.topP",
            "model.maxTokens",
            "model.stopSequences",
            "model.guardrail.version",
            "model.promptCache",
            "model.region",
            "model.temprature is not an option",
            "model.streaming",
            "model.additionalFields")) {
      assertTrue(all.contains(field), field + " in\n" + all);
    }
  }

  @Test
  void aModelIdWithSpacesOrQuotesIsRefused() throws Exception {
    assertFalse(parse("anthropic.claude \"x\"", null).problems().isEmpty());
    assertFalse(parse("a".repeat(2049), null).problems().isEmpty());
  }

  @Test
  void hugeAdditionalFieldsAreRefused() throws Exception {
    String big = "{\"additionalFields\":{\"x\":\"" + "y".repeat(20_000) + "\"}}";
    assertTrue(String.join("", parse(HAIKU, big).problems()).contains("additionalFields"));
  }
}

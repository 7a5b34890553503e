package io.statehouse.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.statehouse.api.dto.Definitions;
import io.statehouse.api.dto.Requests.AgentDefinition;
import io.statehouse.runtime.catalog.AgentSpec;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A model's provider options as a client sends them: JSON, through the API's strict reader. */
class ModelOptionsJsonTest {
  private final Definitions definitions =
      new Definitions(ConfigFactory.load(), Set.of("scripted", "bedrock", "openai"));

  private AgentSpec agent(String modelJson) throws Exception {
    AgentDefinition d =
        ApiJson.READER.readValue(
            "{\"instructions\":\"Be brief.\",\"model\":" + modelJson + ",\"tools\":[]}",
            AgentDefinition.class);
    return definitions.agent("support", d);
  }

  @Test
  void aBedrockAgentKeepsItsOptionsAsSent() throws Exception {
    AgentSpec a =
        agent(
            "{\"provider\":\"bedrock\",\"id\":\"anthropic.claude-3-haiku-20240307-v1:0\","
                + "\"region\":\"us-west-2\",\"maxTokens\":300,"
                + "\"guardrail\":{\"id\":\"gr1abc\",\"version\":\"DRAFT\"},\"promptCache\":\"auto\"}");
    assertEquals("bedrock", a.model().provider());
    assertEquals("us-west-2", a.model().options().get("region").textValue());
    assertEquals(300, a.model().options().get("maxTokens").intValue());
    assertEquals("DRAFT", a.model().options().at("/guardrail/version").textValue());
  }

  @Test
  void theAgentViewShowsTheOptionsWhereTheyWereSent() throws Exception {
    AgentSpec a =
        agent(
            "{\"provider\":\"bedrock\",\"id\":\"anthropic.claude-3-haiku-20240307-v1:0\","
                + "\"region\":\"us-west-2\",\"maxTokens\":300}");
    com.fasterxml.jackson.databind.JsonNode model =
        ApiJson.WRITER.valueToTree(io.statehouse.api.dto.Views.agent(a)).get("model");
    assertEquals("us-west-2", model.get("region").textValue());
    assertEquals(300, model.get("maxTokens").intValue());
    assertEquals(null, model.get("options"), "flat, as registered");
  }

  @Test
  void aCostLimitOnAModelThisNodeCannotPriceIsA400AndAPricedOneIsAccepted() throws Exception {
    AgentDefinition unpriced =
        ApiJson.READER.readValue(
            "{\"model\":{\"provider\":\"bedrock\",\"id\":\"vendor.unlisted-v1:0\"},"
                + "\"limits\":{\"maxCostUsd\":5}}",
            AgentDefinition.class);
    AgentDefinition priced =
        ApiJson.READER.readValue(
            "{\"model\":{\"provider\":\"bedrock\",\"id\":"
                + "\"us.anthropic.claude-3-5-haiku-20241022-v1:0\",\"maxTokens\":500},"
                + "\"limits\":{\"maxCostUsd\":5,\"maxTokensPerTurn\":20000}}",
            AgentDefinition.class);

    ApiError e = assertThrows(ApiError.class, () -> definitions.agent("support", unpriced));
    AgentSpec ok = definitions.agent("support", priced);

    assertTrue(e.getMessage().contains("limits.maxCostUsd needs a price"), e.getMessage());
    assertTrue(e.getMessage().contains("vendor.unlisted-v1:0"), e.getMessage());
    assertEquals(20000, ok.limits().maxTokensPerTurn());
    assertEquals(0, java.math.BigDecimal.valueOf(5).compareTo(ok.limits().maxCostUsd()));
  }

  @Test
  void anOpenAiAgentMayNameOnlyAKeyTheOperatorListedAndOnlyForItsServer() throws Exception {
    AgentSpec local =
        agent(
            "{\"provider\":\"openai\",\"id\":\"llama3\",\"baseUrl\":"
                + "\"http://10.0.0.5:11434/v1\",\"maxTokens\":256}");
    AgentSpec hosted =
        agent(
            "{\"provider\":\"openai\",\"id\":\"gpt-4o-mini\",\"baseUrl\":"
                + "\"https://api.openai.com/v1\",\"apiKeyEnv\":\"OPENAI_API_KEY\"}");
    // a tenant naming the node's AWS secret, or sending the operator's key to its own server
    ApiError awsKey =
        assertThrows(
            ApiError.class,
            () ->
                agent(
                    "{\"provider\":\"openai\",\"id\":\"m\",\"baseUrl\":"
                        + "\"https://collector.example/v1\",\"apiKeyEnv\":\"AWS_SECRET_ACCESS_KEY\"}"));
    ApiError elsewhere =
        assertThrows(
            ApiError.class,
            () ->
                agent(
                    "{\"provider\":\"openai\",\"id\":\"m\",\"baseUrl\":"
                        + "\"https://collector.example/v1\",\"apiKeyEnv\":\"OPENAI_API_KEY\"}"));

    assertEquals("http://10.0.0.5:11434/v1", local.model().options().get("baseUrl").textValue());
    assertEquals("OPENAI_API_KEY", hosted.model().options().get("apiKeyEnv").textValue());
    assertEquals(400, awsKey.status().intValue());
    assertEquals(400, elsewhere.status().intValue());
    assertTrue(awsKey.getMessage().contains("apiKeyEnv"), awsKey.getMessage());
    assertTrue(elsewhere.getMessage().contains("apiKeyEnv"), elsewhere.getMessage());
  }

  @Test
  void anOpenAiBaseUrlTheTenantsEgressRulesRefuseIsA400AtRegistration() throws Exception {
    AgentDefinition loopback =
        ApiJson.READER.readValue(
            "{\"model\":{\"provider\":\"openai\",\"id\":\"m\","
                + "\"baseUrl\":\"http://127.0.0.1:11434/v1\"}}",
            AgentDefinition.class);
    AgentDefinition internal =
        ApiJson.READER.readValue(
            "{\"model\":{\"provider\":\"openai\",\"id\":\"m\","
                + "\"baseUrl\":\"http://10.0.0.5:8000/v1\"}}",
            AgentDefinition.class);

    // loopback is refused by the default rules (the node's own ports, other local services)
    ApiError e = assertThrows(ApiError.class, () -> definitions.agent("acme", "local", loopback));
    AgentSpec ok = definitions.agent("acme", "vllm", internal);

    assertTrue(e.getMessage().contains("model.baseUrl"), e.getMessage());
    assertEquals("http://10.0.0.5:8000/v1", ok.model().options().get("baseUrl").textValue());
  }

  @Test
  void aMisspelledBedrockOptionIsA400ThatNamesIt() {
    ApiError e =
        assertThrows(
            ApiError.class,
            () ->
                agent(
                    "{\"provider\":\"bedrock\",\"id\":\"anthropic.claude-3-haiku-20240307-v1:0\","
                        + "\"maxToken\":300,\"temperature\":7}"));
    assertEquals(400, e.status().intValue());
    assertTrue(e.getMessage().contains("model.maxToken is not an option"), e.getMessage());
    assertTrue(e.getMessage().contains("model.temperature"), e.getMessage());
  }

  @Test
  void awsCredentialsCannotBeStoredAsModelOptionsAndTheRefusalNeverQuotesThem() {
    ApiError e =
        assertThrows(
            ApiError.class,
            () ->
                agent(
                    "{\"provider\":\"bedrock\",\"id\":\"anthropic.claude-3-haiku-20240307-v1:0\","
                        + "\"accessKeyId\":\"AKIAEXAMPLEKEY12345\","
                        + "\"secretAccessKey\":\"wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY\"}"));
    assertTrue(e.getMessage().contains("model.secretAccessKey is not an option"), e.getMessage());
    assertFalse(e.getMessage().contains("AKIAEXAMPLEKEY12345"), e.getMessage());
    assertFalse(e.getMessage().contains("wJalrXUtnFEMI"), e.getMessage());
  }

  @Test
  void aScriptedAgentTakesNoProviderOptions() {
    ApiError e =
        assertThrows(
            ApiError.class,
            () ->
                agent(
                    "{\"provider\":\"scripted\",\"script\":[{\"text\":\"hi\"}],"
                        + "\"region\":\"us-east-1\"}"));
    assertTrue(
        e.getMessage().contains("model.region is not an option of the scripted provider"),
        e.getMessage());
  }
}

package io.statehouse.runtime.model.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.json.Json;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What an agent may set for the openai provider, and what each mistake is told. */
class OpenAiOptionsTest {
  private static final OpenAiSettings SETTINGS =
      settings(
          Map.of(
              "OPENAI_API_KEY", List.of("https://api.openai.com/"),
              "GATEWAY_KEY", List.of("https://gateway.example.com/openai/"),
              "WITHDRAWN_KEY", List.of()));

  private static OpenAiSettings settings(Map<String, List<String>> keys) {
    return new OpenAiSettings(
        Duration.ofSeconds(5),
        Duration.ofSeconds(60),
        4,
        Duration.ofMillis(250),
        Duration.ofSeconds(8),
        8 << 20,
        1 << 20,
        keys,
        Duration.ofSeconds(120));
  }

  private static OpenAiOptions.Parsed parse(String id, String options) throws Exception {
    return OpenAiOptions.parse(
        new ModelSpec(
            "openai",
            id,
            null,
            false,
            List.of(),
            options == null ? null : Json.MAPPER.readTree(options)),
        SETTINGS);
  }

  private static String problem(String options) throws Exception {
    OpenAiOptions.Parsed p = parse("gpt-4o-mini", options);
    assertTrue(p.options().isEmpty(), "expected a problem with " + options);
    assertEquals(1, p.problems().size(), p.problems().toString());
    return p.problems().get(0);
  }

  @Test
  void withNoOptionsTheModelStreamsFromOpenAiWithoutAKey() throws Exception {
    OpenAiOptions o = parse("gpt-4o-mini", null).options().orElseThrow();
    assertEquals(URI.create("https://api.openai.com/v1"), o.baseUrl());
    assertEquals(URI.create("https://api.openai.com/v1/chat/completions"), o.chatCompletions());
    assertEquals(Optional.empty(), o.apiKeyEnv());
    assertTrue(o.streaming());
    assertEquals(List.of(), o.stop());
  }

  @Test
  void everyOptionIsRead() throws Exception {
    OpenAiOptions o =
        parse(
                "meta-llama/Llama-3.1-8B-Instruct",
                "{\"baseUrl\":\"https://gateway.example.com/openai/v1/\","
                    + "\"apiKeyEnv\":\"GATEWAY_KEY\",\"maxTokens\":1000000,\"temperature\":2,"
                    + "\"topP\":0,\"stop\":[\"a\",\"b\",\"c\",\"d\"],\"streaming\":false}")
            .options()
            .orElseThrow();
    assertEquals("meta-llama/Llama-3.1-8B-Instruct", o.model());
    assertEquals(
        URI.create("https://gateway.example.com/openai/v1/chat/completions"), o.chatCompletions());
    assertEquals(Optional.of("GATEWAY_KEY"), o.apiKeyEnv());
    assertEquals(1_000_000, o.maxTokens());
    assertEquals(2.0, o.temperature());
    assertEquals(0.0, o.topP());
    assertEquals(4, o.stop().size());
    assertFalse(o.streaming());
  }

  @Test
  void theModelIdIsRequiredAndHasNoSpaces() throws Exception {
    assertTrue(parse(null, null).problems().get(0).startsWith("model.id is required"));
    assertTrue(parse("gpt 4", null).problems().get(0).contains("without spaces"));
    assertTrue(parse("x".repeat(257), null).problems().get(0).contains("256"));
  }

  @Test
  void unknownOptionsListTheKnownOnesInOrder() throws Exception {
    String p = problem("{\"promptCache\":\"auto\"}");
    assertEquals(
        "model.promptCache is not an option of the openai provider; it has [apiKeyEnv, baseUrl,"
            + " maxTokens, stop, streaming, temperature, topP]",
        p);
  }

  @Test
  void optionsMustBeAnObject() throws Exception {
    assertEquals("model options must be an object", problem("[1]"));
  }

  @Test
  void badBaseUrlsAreRefusedWithoutQuotingThem() throws Exception {
    Map<String, String> cases =
        Map.of(
            "ftp://files.example.com/v1",
            "must be an http or https URL",
            "https://user:hunter2@api.example.com/v1",
            "may not carry user info",
            "https://api.example.com/v1?key=hunter2",
            "may not have a query or a fragment",
            "https://api.example.com/v1#hunter2",
            "may not have a query or a fragment",
            "https://api.example.com/v1/../admin",
            "dot segments",
            "https://api.example.com/v1/%2e%2e/admin",
            "percent-escapes",
            "https://api.example.com//v1",
            "empty segments",
            "https://api.example.com/" + "h".repeat(2048),
            "longer than 2048",
            "not a url hunter2",
            "is not a valid URL",
            "mailto:hunter2@example.com",
            "must be an http or https URL");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      String p = problem("{\"baseUrl\":\"" + c.getKey() + "\"}");
      assertTrue(p.startsWith("model.baseUrl "), p);
      assertTrue(p.contains(c.getValue()), c.getKey() + ": " + p);
      assertFalse(p.contains("hunter2"), "quoted: " + p);
    }
    assertEquals("model.baseUrl must be text: an http or https URL", problem("{\"baseUrl\":42}"));
  }

  @Test
  void cloudMetadataIsRefusedInEverySpelling() throws Exception {
    for (String host :
        List.of(
            "169.254.169.254",
            "2852039166",
            "0xa9fea9fe",
            "[::ffff:a9fe:a9fe]",
            "[64:ff9b::a9fe:a9fe]",
            "[fd00:ec2::254]",
            "metadata.google.internal",
            "METADATA.GOOG.")) {
      String p = problem("{\"baseUrl\":\"http://" + host + "/v1\"}");
      assertTrue(p.contains("cloud metadata"), host + ": " + p);
    }
    // java.net.URI reads no host in these spellings: refused before the address is considered
    assertTrue(
        problem("{\"baseUrl\":\"http://0251.0376.0251.0376/v1\"}").contains("no valid host"));
  }

  @Test
  void otherAddressesAreLeftToTheTenantsEgressPolicy() throws Exception {
    // loopback and link-local can be opened per tenant: refused at call time, not here
    assertTrue(
        parse("llama3.1", "{\"baseUrl\":\"http://127.0.0.1:11434/v1\"}").problems().isEmpty());
    assertTrue(parse("llama3.1", "{\"baseUrl\":\"http://169.254.10.1/v1\"}").problems().isEmpty());
  }

  @Test
  void anApiKeyEnvThatIsNotAVariableNameIsRefusedWithoutQuotingIt() throws Exception {
    String p = problem("{\"apiKeyEnv\":\"sk-proj hunter2\"}");
    assertTrue(p.startsWith("model.apiKeyEnv must name an environment variable"), p);
    assertFalse(p.contains("hunter2"));
    assertTrue(problem("{\"apiKeyEnv\":7}").startsWith("model.apiKeyEnv must name"));
  }

  @Test
  void anApiKeyEnvNotListedInApiKeysIsRefused() throws Exception {
    // the node's AWS secret must never become a bearer token for a server a tenant picked
    String p = problem("{\"apiKeyEnv\":\"AWS_SECRET_ACCESS_KEY\"}");
    assertEquals(
        "model.apiKeyEnv names a variable this node does not let agents use; it allows"
            + " [GATEWAY_KEY, OPENAI_API_KEY] (statehouse.models.openai.api-keys)",
        p);
    // a variable whose prefixes were withdrawn is not usable either
    assertTrue(problem("{\"apiKeyEnv\":\"WITHDRAWN_KEY\"}").contains("does not let agents use"));
    // and a pasted key that looks like a name is not quoted
    assertFalse(problem("{\"apiKeyEnv\":\"sk_live_hunter2\"}").contains("hunter2"));
  }

  @Test
  void aKeyGoesOnlyToTheBaseUrlsListedForIt() throws Exception {
    for (String url :
        List.of(
            "https://evil.example.com/v1",
            "http://api.openai.com/v1",
            "https://api.openai.com:8443/v1",
            "https://api.openai.com.evil.example/v1",
            "https://127.0.0.1/v1")) {
      String p = problem("{\"apiKeyEnv\":\"OPENAI_API_KEY\",\"baseUrl\":\"" + url + "\"}");
      assertTrue(p.startsWith("model.baseUrl is not where the key"), url + ": " + p);
    }
    for (String url :
        List.of(
            "https://gateway.example.com/openai-evil/v1",
            "https://gateway.example.com/",
            "https://gateway.example.com/OPENAI/v1")) {
      String p = problem("{\"apiKeyEnv\":\"GATEWAY_KEY\",\"baseUrl\":\"" + url + "\"}");
      assertTrue(p.contains("https://gateway.example.com:443/openai/"), url + ": " + p);
    }
  }

  @Test
  void prefixesCompareInNormalForm() throws Exception {
    for (String url :
        List.of(
            "https://API.OpenAI.com/v1",
            "HTTPS://api.openai.com:443/v1",
            "https://api.openai.com./v1",
            "https://api.openai.com")) {
      assertTrue(
          parse("gpt-4o", "{\"apiKeyEnv\":\"OPENAI_API_KEY\",\"baseUrl\":\"" + url + "\"}")
              .problems()
              .isEmpty(),
          url);
    }
    assertTrue(
        parse(
                "gpt-4o",
                "{\"apiKeyEnv\":\"GATEWAY_KEY\",\"baseUrl\":\"https://gateway.example.com/openai\"}")
            .problems()
            .isEmpty());
  }

  @Test
  void numbersAreChecked() throws Exception {
    for (String bad : List.of("0", "1000001", "1.5", "\"10\"")) {
      assertEquals(
          "model.maxTokens must be a whole number from 1 to 1000000",
          problem("{\"maxTokens\":" + bad + "}"));
    }
    for (String bad : List.of("-0.1", "2.1", "\"hot\"")) {
      assertEquals(
          "model.temperature must be a number from 0 to 2",
          problem("{\"temperature\":" + bad + "}"));
    }
    assertEquals("model.topP must be a number from 0 to 1", problem("{\"topP\":1.1}"));
  }

  @Test
  void stopIsAtMostFourShortTexts() throws Exception {
    assertEquals(
        "model.stop must be a list of at most 4 texts",
        problem("{\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}"));
    assertEquals("model.stop must be a list of at most 4 texts", problem("{\"stop\":\"END\"}"));
    assertEquals("model.stop holds texts of 1 to 256 characters", problem("{\"stop\":[\"\"]}"));
    assertEquals(
        "model.stop holds texts of 1 to 256 characters",
        problem("{\"stop\":[\"" + "x".repeat(257) + "\"]}"));
    assertEquals("model.stop holds texts of 1 to 256 characters", problem("{\"stop\":[3]}"));
  }

  @Test
  void streamingIsABoolean() throws Exception {
    assertEquals("model.streaming is true or false", problem("{\"streaming\":\"yes\"}"));
  }

  @Test
  void everyProblemIsReportedAtOnce() throws Exception {
    OpenAiOptions.Parsed p =
        parse("gpt 4", "{\"maxTokens\":0,\"topP\":3,\"stop\":7,\"colour\":\"red\"}");
    assertEquals(5, p.problems().size(), p.problems().toString());
  }

  @Test
  void theNodeDefaultsLetOnlyOpenAisKeyGoOnlyToOpenAi() {
    OpenAiSettings s = OpenAiSettings.fromConfig(ConfigFactory.load());
    assertEquals(Map.of("OPENAI_API_KEY", List.of("https://api.openai.com:443/")), s.apiKeys());
    assertEquals(4, s.maxAttempts());
    assertEquals(8L << 20, s.maxResponseBytes());
    assertEquals(Duration.ofMillis(250), s.backoffMin());
  }

  @Test
  void aBadPrefixInApiKeysStopsTheNode() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> settings(Map.of("KEY", List.of("https://gateway.example.com/a?x=1"))));
    assertTrue(e.getMessage().contains("statehouse.models.openai.api-keys.KEY"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> settings(Map.of("not-a-name", List.of("https://api.openai.com/"))));
  }
}

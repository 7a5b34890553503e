package io.statehouse.api.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoModelTest {
  @TempDir Path home;

  private static Function<String, String> env(Map<String, String> vars) {
    return vars::get;
  }

  @Test
  void withoutASettingOrAwsCredentialsTheDemoStaysOnTheOfflineScriptedModel() {
    DemoModel m = DemoModel.choose("", "", env(Map.of()), home);

    assertTrue(m.scripted());
  }

  @Test
  void awsCredentialsInTheEnvironmentOrHomeDirectoryPutTheDemoOnBedrock() throws Exception {
    DemoModel fromEnv =
        DemoModel.choose("", "", env(Map.of("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")), home);
    Files.createDirectories(home.resolve(".aws"));
    Files.writeString(home.resolve(".aws/credentials"), "[default]\n");
    DemoModel fromFile = DemoModel.choose("", "", env(Map.of("AWS_REGION", "eu-west-1")), home);

    assertEquals("bedrock", fromEnv.provider());
    assertEquals(DemoModel.DEFAULT_BEDROCK_MODEL, fromEnv.id());
    assertEquals("us-east-1", fromEnv.options().get("region").textValue(), "no region anywhere");
    assertEquals("bedrock", fromFile.provider());
    assertNull(fromFile.options().get("region"), "the default region chain has one");
  }

  @Test
  void scriptedWinsOverCredentials() {
    DemoModel m =
        DemoModel.choose("scripted", "", env(Map.of("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")), home);

    assertTrue(m.scripted());
  }

  @Test
  void bedrockAndOpenAiSettingsNameTheirModel() {
    DemoModel bedrock =
        DemoModel.choose(
            "bedrock:anthropic.claude-3-5-haiku-20241022-v1:0", "us-west-2", env(Map.of()), home);
    DemoModel ollama =
        DemoModel.choose(
            "openai:llama3.2@http://127.0.0.1:11434/v1",
            "",
            env(Map.of("OPENAI_API_KEY", "sk-x")),
            home);
    DemoModel openai =
        DemoModel.choose(
            "openai:gpt-4o-mini@https://api.openai.com/v1",
            "",
            env(Map.of("OPENAI_API_KEY", "sk-x")),
            home);

    assertEquals("anthropic.claude-3-5-haiku-20241022-v1:0", bedrock.id());
    assertNull(bedrock.options().get("region"), "the node's configured region applies");
    assertEquals("openai", ollama.provider());
    assertEquals("llama3.2", ollama.id());
    assertEquals("http://127.0.0.1:11434/v1", ollama.options().get("baseUrl").textValue());
    assertFalse(ollama.options().has("apiKeyEnv"), "the OpenAI key never goes to another server");
    assertEquals("OPENAI_API_KEY", openai.options().get("apiKeyEnv").textValue());
  }

  @Test
  void aSettingOfAnotherShapeStopsTheStartWithTheFormsItTakes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> DemoModel.choose("claude", "", env(Map.of()), home));

    assertTrue(e.getMessage().contains("bedrock:<model id>"), e.getMessage());
  }
}

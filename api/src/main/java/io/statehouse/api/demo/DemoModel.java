package io.statehouse.api.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.catalog.ScriptStep;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.bedrock.BedrockOptions;
import io.statehouse.runtime.model.openai.OpenAiOptions;
import io.statehouse.runtime.model.scripted.ScriptedModelClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * The model the demo agents run on ({@code statehouse.demo.model}, {@code STATEHOUSE_DEMO_MODEL}):
 *
 * <ul>
 *   <li>{@code scripted}: the offline scripted model;
 *   <li>{@code bedrock:<model id>}: Amazon Bedrock, credentials and region from the default AWS
 *       chains ({@code us-east-1} when no region is set anywhere);
 *   <li>{@code openai:<model>@<base URL>}: an OpenAI-compatible server, with {@code OPENAI_API_KEY}
 *       when it is set and the node allows it for that URL;
 *   <li>empty (the default): Bedrock with {@value #DEFAULT_BEDROCK_MODEL} when AWS credentials are
 *       visible in the environment or {@code ~/.aws}, the scripted model otherwise.
 * </ul>
 */
public record DemoModel(String provider, String id, ObjectNode options) {
  public static final String DEFAULT_BEDROCK_MODEL = "us.amazon.nova-lite-v1:0";
  static final int MAX_TOKENS = 1024;

  public static final DemoModel SCRIPTED = new DemoModel(ScriptedModelClient.PROVIDER, null, null);

  public boolean scripted() {
    return provider.equals(ScriptedModelClient.PROVIDER);
  }

  /** The spec of a demo agent: its script on the scripted model, the chosen model otherwise. */
  ModelSpec spec(List<ScriptStep> script) {
    return scripted()
        ? new ModelSpec(provider, null, null, true, script)
        : new ModelSpec(provider, id, null, false, List.of(), options);
  }

  /**
   * The demo's model from the setting, the environment ({@code env}) and the home directory ({@code
   * home}, for {@code ~/.aws}); {@code configuredRegion} is {@code
   * statehouse.models.bedrock.region}.
   */
  public static DemoModel choose(
      String setting, String configuredRegion, Function<String, String> env, Path home) {
    String s = setting == null ? "" : setting.strip();
    if (s.equals(ScriptedModelClient.PROVIDER)) {
      return SCRIPTED;
    }
    if (s.isEmpty()) {
      return awsCredentialsVisible(env, home)
          ? bedrock(DEFAULT_BEDROCK_MODEL, configuredRegion, env)
          : SCRIPTED;
    }
    if (s.startsWith("bedrock:") && s.length() > "bedrock:".length()) {
      return bedrock(s.substring("bedrock:".length()), configuredRegion, env);
    }
    int at = s.lastIndexOf('@');
    if (s.startsWith("openai:") && at > "openai:".length() && at < s.length() - 1) {
      String model = s.substring("openai:".length(), at);
      String baseUrl = s.substring(at + 1);
      ObjectNode options = Json.object().put("baseUrl", baseUrl).put("maxTokens", MAX_TOKENS);
      if (present(env, "OPENAI_API_KEY") && baseUrl.startsWith("https://api.openai.com/")) {
        options.put("apiKeyEnv", "OPENAI_API_KEY");
      }
      return new DemoModel(OpenAiOptions.PROVIDER, model, options);
    }
    throw new IllegalArgumentException(
        "STATEHOUSE_DEMO_MODEL (statehouse.demo.model) must be scripted, bedrock:<model id> or"
            + " openai:<model>@<base URL>, e.g. bedrock:"
            + DEFAULT_BEDROCK_MODEL
            + " or openai:llama3.2@http://127.0.0.1:11434/v1");
  }

  private static DemoModel bedrock(
      String id, String configuredRegion, Function<String, String> env) {
    ObjectNode options = Json.object().put("maxTokens", MAX_TOKENS);
    boolean regionKnown =
        !configuredRegion.isBlank()
            || present(env, "AWS_REGION")
            || present(env, "AWS_DEFAULT_REGION");
    if (!regionKnown) {
      options.put("region", "us-east-1");
    }
    return new DemoModel(BedrockOptions.PROVIDER, id, options);
  }

  private static boolean awsCredentialsVisible(Function<String, String> env, Path home) {
    return present(env, "AWS_ACCESS_KEY_ID")
        || present(env, "AWS_PROFILE")
        || present(env, "AWS_WEB_IDENTITY_TOKEN_FILE")
        || present(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")
        || present(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        || (home != null && Files.isRegularFile(home.resolve(".aws").resolve("credentials")));
  }

  private static boolean present(Function<String, String> env, String name) {
    String v = env.apply(name);
    return v != null && !v.isBlank();
  }
}

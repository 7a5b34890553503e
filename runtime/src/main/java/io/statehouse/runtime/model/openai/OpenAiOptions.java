package io.statehouse.runtime.model.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.model.OptionFields;
import io.statehouse.runtime.tool.egress.EgressPolicy;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * An agent's settings for the {@code openai} provider, read from its {@link ModelSpec}: the model
 * name the server knows ({@code model.id}) and the options of {@code model.options}. {@link #parse}
 * names every problem at registration, and again before each call (the node's {@code api-keys} may
 * have changed since). Problems never quote a value that could be a secret: a URL may carry
 * credentials, and a tenant may paste a key where the variable's name belongs.
 *
 * @param baseUrl where {@code /chat/completions} is, e.g. {@code https://api.openai.com/v1} (the
 *     default) or {@code http://ollama.internal:11434/v1}
 * @param apiKeyEnv the node's environment variable holding the key, sent as a bearer token; empty
 *     for servers that need none. Only variables of {@code statehouse.models.openai.api-keys}, to
 *     the base URLs listed for them.
 * @param stop at most four texts, each 1 to 256 characters
 * @param streaming server-sent events with text deltas (the default), or one JSON reply
 */
public record OpenAiOptions(
    String model,
    URI baseUrl,
    Optional<String> apiKeyEnv,
    Integer maxTokens,
    Double temperature,
    Double topP,
    List<String> stop,
    boolean streaming) {

  public static final String PROVIDER = "openai";
  public static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";

  /** Options or the problems that prevent them, each naming its field. */
  public record Parsed(Optional<OpenAiOptions> options, List<String> problems) {}

  // sorted: error messages list them in a stable order
  private static final Set<String> KNOWN =
      new TreeSet<>(
          Set.of("baseUrl", "apiKeyEnv", "maxTokens", "temperature", "topP", "stop", "streaming"));
  // printable ASCII without spaces: gpt-4o-mini, llama3.1:8b, meta-llama/Llama-3.1-8B-Instruct
  private static final Pattern MODEL = Pattern.compile("[\\x21-\\x7E]{1,256}");
  private static final int MAX_TOKENS = 1_000_000;
  private static final int MAX_STOP = 4;
  private static final int MAX_STOP_CHARS = 256;

  public static Parsed parse(ModelSpec spec, OpenAiSettings settings) {
    List<String> problems = new ArrayList<>();
    String id = spec.id();
    if (id == null || id.isBlank()) {
      problems.add(
          "model.id is required for openai: the model name the server knows (like gpt-4o-mini)");
    } else if (!MODEL.matcher(id).matches()) {
      problems.add("model.id must be 1 to 256 printable characters without spaces");
    }
    JsonNode o = spec.options();
    if (o != null && !o.isObject()) {
      problems.add("model options must be an object");
      return new Parsed(Optional.empty(), problems);
    }
    OptionFields.unknown(o, KNOWN, PROVIDER, problems);
    URI baseUrl = baseUrl(field(o, "baseUrl"), problems);
    Optional<String> apiKeyEnv = apiKeyEnv(field(o, "apiKeyEnv"), baseUrl, settings, problems);
    Integer maxTokens = OptionFields.positive(o, "maxTokens", MAX_TOKENS, problems);
    Double temperature = OptionFields.number(o, "temperature", 2, problems);
    Double topP = OptionFields.number(o, "topP", 1, problems);
    List<String> stop = OptionFields.texts(o, "stop", MAX_STOP, MAX_STOP_CHARS, problems);
    boolean streaming = OptionFields.bool(o, "streaming", true, problems);
    if (!problems.isEmpty()) {
      return new Parsed(Optional.empty(), List.copyOf(problems));
    }
    return new Parsed(
        Optional.of(
            new OpenAiOptions(
                id, baseUrl, apiKeyEnv, maxTokens, temperature, topP, stop, streaming)),
        List.of());
  }

  /** {@code {baseUrl}/chat/completions}. */
  public URI chatCompletions() {
    return BaseUrls.chatCompletions(baseUrl);
  }

  /** The base URL, or null (with a problem) when it is not one; the default when absent. */
  private static URI baseUrl(JsonNode n, List<String> problems) {
    if (n == null) {
      return URI.create(DEFAULT_BASE_URL);
    }
    if (!n.isTextual()) {
      problems.add("model.baseUrl must be text: an http or https URL");
      return null;
    }
    Optional<String> why = BaseUrls.problem(n.textValue());
    if (why.isPresent()) {
      problems.add("model.baseUrl " + why.get());
      return null;
    }
    URI uri = URI.create(n.textValue());
    Optional<String> never = EgressPolicy.refusedForEveryTenant(uri);
    if (never.isPresent()) {
      problems.add("model.baseUrl points at " + never.get() + ", which no call may reach");
      return null;
    }
    return uri;
  }

  private static Optional<String> apiKeyEnv(
      JsonNode n, URI baseUrl, OpenAiSettings settings, List<String> problems) {
    if (n == null) {
      return Optional.empty();
    }
    // the value is never quoted: a tenant may have pasted the key itself here
    if (!n.isTextual() || !OpenAiSettings.ENV_NAME.matcher(n.textValue()).matches()) {
      problems.add(
          "model.apiKeyEnv must name an environment variable (letters, digits and _, not starting"
              + " with a digit)");
      return Optional.empty();
    }
    List<String> prefixes = settings.apiKeys().get(n.textValue());
    if (prefixes == null || prefixes.isEmpty()) {
      problems.add(
          "model.apiKeyEnv names a variable this node does not let agents use; it allows "
              + usable(settings)
              + " (statehouse.models.openai.api-keys)");
      return Optional.empty();
    }
    if (baseUrl != null && prefixes.stream().noneMatch(p -> BaseUrls.under(baseUrl, p))) {
      problems.add(
          "model.baseUrl is not where the key of model.apiKeyEnv may be sent; this node sends it"
              + " only to "
              + prefixes);
    }
    return Optional.of(n.textValue());
  }

  private static Set<String> usable(OpenAiSettings settings) {
    Set<String> names = new TreeSet<>();
    settings
        .apiKeys()
        .forEach(
            (name, prefixes) -> {
              if (!prefixes.isEmpty()) {
                names.add(name);
              }
            });
    return names;
  }

  private static JsonNode field(JsonNode o, String name) {
    return OptionFields.field(o, name);
  }
}

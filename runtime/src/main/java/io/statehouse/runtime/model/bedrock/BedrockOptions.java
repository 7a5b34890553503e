package io.statehouse.runtime.model.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.model.OptionFields;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * An agent's settings for the {@code bedrock} provider, read from its {@link ModelSpec}: the model
 * (a model id, an inference-profile id or an ARN) and the options of {@code model.options}. {@link
 * #parse} names every problem at registration, so a call never meets a setting Bedrock refuses for
 * its form.
 *
 * @param region the AWS region of this agent's calls; empty: the node's ({@code
 *     statehouse.models.bedrock.region}, else the default AWS chain)
 * @param stopSequences at most four, as Converse allows
 * @param additionalFields passed as {@code additionalModelRequestFields}, for model-specific fields
 * @param promptCache {@code auto}: cache points after the system prompt and tools and after the
 *     previous turn
 * @param streaming ConverseStream (the default) or Converse
 */
public record BedrockOptions(
    String modelId,
    Optional<String> region,
    Integer maxTokens,
    Float temperature,
    Float topP,
    List<String> stopSequences,
    JsonNode additionalFields,
    Optional<Guardrail> guardrail,
    boolean promptCache,
    boolean streaming) {

  public static final String PROVIDER = "bedrock";

  /**
   * A Bedrock Guardrail applied to every call; {@code trace}: enabled, disabled or enabled_full.
   */
  public record Guardrail(String id, String version, String trace) {}

  /** Options or the problems that prevent them, each naming its field. */
  public record Parsed(Optional<BedrockOptions> options, List<String> problems) {}

  // sorted: error messages list them in a stable order
  private static final Set<String> KNOWN =
      new TreeSet<>(
          Set.of(
              "region",
              "maxTokens",
              "temperature",
              "topP",
              "stopSequences",
              "additionalFields",
              "guardrail",
              "promptCache",
              "streaming"));
  // model ids (anthropic.claude-3-haiku-20240307-v1:0), inference profiles (us.x.y-v1:0), ARNs
  private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9._:/+-]{1,2048}");
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");
  private static final Pattern GUARDRAIL_ID =
      Pattern.compile(
          "[a-z0-9]{1,64}|arn:aws(-[a-z]+)*:bedrock:[a-z0-9-]{1,20}:\\d{12}:guardrail/[a-z0-9]+");
  private static final Pattern GUARDRAIL_VERSION = Pattern.compile("DRAFT|[1-9][0-9]{0,7}");
  private static final Set<String> TRACES = Set.of("enabled", "disabled", "enabled_full");
  private static final int MAX_STOP_SEQUENCES = 4;
  private static final int MAX_STOP_SEQUENCE_CHARS = 256;
  private static final int MAX_ADDITIONAL_FIELDS_CHARS = 16 * 1024;

  public static Parsed parse(ModelSpec spec) {
    List<String> problems = new ArrayList<>();
    String id = spec.id();
    if (id == null || id.isBlank()) {
      problems.add("model.id is required for bedrock: a model id, inference-profile id or ARN");
    } else if (!MODEL_ID.matcher(id).matches()) {
      problems.add(
          "model.id is not a Bedrock model id, inference-profile id or ARN (letters, digits and . : /"
              + " _ + -, at most 2048)");
    }
    JsonNode o = spec.options();
    if (o != null && !o.isNull() && !o.isObject()) {
      problems.add("model options must be an object");
      return new Parsed(Optional.empty(), problems);
    }
    OptionFields.unknown(o, KNOWN, PROVIDER, problems);
    Optional<String> region = text(o, "region", problems);
    region.ifPresent(
        r -> {
          if (!REGION.matcher(r).matches()) {
            problems.add("model.region is not an AWS region name (like us-east-1)");
          }
        });
    Integer maxTokens = OptionFields.positive(o, "maxTokens", null, problems);
    Float temperature = unit(o, "temperature", problems);
    Float topP = unit(o, "topP", problems);
    List<String> stops =
        OptionFields.texts(
            o, "stopSequences", MAX_STOP_SEQUENCES, MAX_STOP_SEQUENCE_CHARS, problems);
    JsonNode additional = field(o, "additionalFields");
    if (additional != null) {
      if (!additional.isObject()) {
        problems.add(
            "model.additionalFields must be an object (passed as additionalModelRequestFields)");
      } else if (additional.toString().length() > MAX_ADDITIONAL_FIELDS_CHARS) {
        problems.add(
            "model.additionalFields is larger than " + MAX_ADDITIONAL_FIELDS_CHARS + " characters");
      }
    }
    Optional<Guardrail> guardrail = guardrail(field(o, "guardrail"), problems);
    boolean promptCache = false;
    JsonNode pc = field(o, "promptCache");
    if (pc != null) {
      if (!pc.isTextual() || !Set.of("auto", "off").contains(pc.textValue())) {
        problems.add("model.promptCache is auto or off");
      } else {
        promptCache = pc.textValue().equals("auto");
      }
    }
    boolean streaming = OptionFields.bool(o, "streaming", true, problems);
    if (!problems.isEmpty()) {
      return new Parsed(Optional.empty(), List.copyOf(problems));
    }
    return new Parsed(
        Optional.of(
            new BedrockOptions(
                id,
                region,
                maxTokens,
                temperature,
                topP,
                stops,
                additional,
                guardrail,
                promptCache,
                streaming)),
        List.of());
  }

  private static Optional<Guardrail> guardrail(JsonNode g, List<String> problems) {
    if (g == null) {
      return Optional.empty();
    }
    if (!g.isObject()) {
      problems.add("model.guardrail must be an object: {id, version, trace?}");
      return Optional.empty();
    }
    for (Map.Entry<String, JsonNode> f : g.properties()) {
      if (!Set.of("id", "version", "trace").contains(f.getKey())) {
        problems.add(
            "model.guardrail." + f.getKey() + " is not known; it has id, version and trace");
      }
    }
    JsonNode id = g.get("id");
    JsonNode version = g.get("version");
    JsonNode trace = g.get("trace");
    int before = problems.size();
    if (id == null || !id.isTextual() || !GUARDRAIL_ID.matcher(id.textValue()).matches()) {
      problems.add("model.guardrail.id must be a Bedrock guardrail id or ARN");
    }
    if (version == null
        || !version.isTextual()
        || !GUARDRAIL_VERSION.matcher(version.textValue()).matches()) {
      problems.add("model.guardrail.version must be DRAFT or a version number, as text");
    }
    if (trace != null && (!trace.isTextual() || !TRACES.contains(trace.textValue()))) {
      problems.add("model.guardrail.trace is one of " + TRACES);
    }
    if (problems.size() > before) {
      return Optional.empty();
    }
    return Optional.of(
        new Guardrail(
            id.textValue(), version.textValue(), trace == null ? "disabled" : trace.textValue()));
  }

  private static Float unit(JsonNode o, String name, List<String> problems) {
    return OptionFields.number(o, name, 1, problems) == null ? null : field(o, name).floatValue();
  }

  private static Optional<String> text(JsonNode o, String name, List<String> problems) {
    JsonNode n = field(o, name);
    if (n == null) {
      return Optional.empty();
    }
    if (!n.isTextual()) {
      problems.add("model." + name + " must be text");
      return Optional.empty();
    }
    return Optional.of(n.textValue());
  }

  private static JsonNode field(JsonNode o, String name) {
    return OptionFields.field(o, name);
  }
}

package io.statehouse.runtime.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.model.bedrock.BedrockOptions;
import io.statehouse.runtime.model.openai.OpenAiOptions;
import java.util.List;

/**
 * The OpenTelemetry GenAI semantic conventions as Statehouse uses them: attribute names, operation
 * names, the provider names of its model providers, and its own attributes under {@code
 * statehouse.*}. The names are spelled out here, once: the incubating semconv artifact deprecates
 * its whole GenAI class, and {@code GenAiNamesTest} checks these against it.
 */
final class GenAi {
  static final String INVOKE_AGENT = "invoke_agent";
  static final String CHAT = "chat";
  static final String EXECUTE_TOOL = "execute_tool";

  static final AttributeKey<String> OPERATION_NAME =
      AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<String> PROVIDER_NAME = AttributeKey.stringKey("gen_ai.provider.name");
  static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  static final AttributeKey<String> AGENT_NAME = AttributeKey.stringKey("gen_ai.agent.name");
  static final AttributeKey<String> AGENT_ID = AttributeKey.stringKey("gen_ai.agent.id");
  static final AttributeKey<String> AGENT_VERSION = AttributeKey.stringKey("gen_ai.agent.version");
  static final AttributeKey<String> CONVERSATION_ID =
      AttributeKey.stringKey("gen_ai.conversation.id");
  static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  static final AttributeKey<Long> OUTPUT_TOKENS =
      AttributeKey.longKey("gen_ai.usage.output_tokens");
  static final AttributeKey<List<String>> FINISH_REASONS =
      AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
  static final AttributeKey<String> TOOL_NAME = AttributeKey.stringKey("gen_ai.tool.name");
  static final AttributeKey<String> TOOL_CALL_ID = AttributeKey.stringKey("gen_ai.tool.call.id");
  static final AttributeKey<String> TOOL_TYPE = AttributeKey.stringKey("gen_ai.tool.type");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  /** {@code gen_ai.provider.name} of the providers with a well-known name. */
  static final String AWS_BEDROCK = "aws.bedrock";

  static final String OPENAI = "openai";

  // content, only with statehouse.telemetry.traces.capture-content on
  static final AttributeKey<String> INPUT_MESSAGES =
      AttributeKey.stringKey("gen_ai.input.messages");
  static final AttributeKey<String> OUTPUT_MESSAGES =
      AttributeKey.stringKey("gen_ai.output.messages");
  static final AttributeKey<String> TOOL_ARGUMENTS =
      AttributeKey.stringKey("gen_ai.tool.call.arguments");
  static final AttributeKey<String> TOOL_RESULT = AttributeKey.stringKey("gen_ai.tool.call.result");

  static final AttributeKey<String> TENANT = AttributeKey.stringKey("statehouse.tenant");
  static final AttributeKey<String> TURN_ID = AttributeKey.stringKey("statehouse.turn.id");
  static final AttributeKey<Long> STEP = AttributeKey.longKey("statehouse.model_call.step");
  static final AttributeKey<Long> TOOL_ATTEMPTS = AttributeKey.longKey("statehouse.tool.attempts");

  /** A turn picked up again after its session's restart (a new span: the first one ended). */
  static final AttributeKey<Boolean> RESUMED = AttributeKey.booleanKey("statehouse.turn.resumed");

  /** The span ended because its session stopped (passivated, moved, shut down) meanwhile. */
  static final AttributeKey<Boolean> STOPPED =
      AttributeKey.booleanKey("statehouse.session.stopped");

  private GenAi() {}

  /** {@code gen_ai.provider.name} of a model spec: the well-known names where there is one. */
  static String provider(ModelSpec spec) {
    return switch (spec.provider()) {
      case BedrockOptions.PROVIDER -> AWS_BEDROCK;
      case OpenAiOptions.PROVIDER -> OPENAI;
      default -> spec.provider();
    };
  }

  /** The model a spec names: its id, or its provider when it has none (the scripted model). */
  static String model(ModelSpec spec) {
    return spec.id() == null || spec.id().isBlank() ? spec.provider() : spec.id();
  }
}

package io.statehouse.runtime.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes;
import org.junit.jupiter.api.Test;

/**
 * The GenAI names {@link GenAi} spells out are the conventions' own (semconv 1.43.0, whose GenAI
 * class is deprecated as a whole, which is why main code does not use it).
 */
@SuppressWarnings("deprecation")
class GenAiNamesTest {
  @Test
  void attributeNamesAreTheSemanticConventions() {
    assertEquals(GenAiIncubatingAttributes.GEN_AI_OPERATION_NAME, GenAi.OPERATION_NAME);
    assertEquals(GenAiIncubatingAttributes.GEN_AI_PROVIDER_NAME, GenAi.PROVIDER_NAME);
    assertEquals(GenAiIncubatingAttributes.GEN_AI_REQUEST_MODEL, GenAi.REQUEST_MODEL);
    assertEquals(GenAiIncubatingAttributes.GEN_AI_AGENT_NAME, GenAi.AGENT_NAME);
    assertEquals(GenAiIncubatingAttributes.GEN_AI_AGENT_ID, GenAi.AGENT_ID);
    assertEquals(GenAiIncubatingAttributes.GEN_AI_AGENT_VERSION, GenAi.AGENT_VERSION);
    assertEquals(GenAiIncubatingAttributes.GEN_AI_CONVERSATION_ID, GenAi.CONVERSATION_ID);
    assertEquals(GenAiIncubatingAttributes.GEN_AI_USAGE_INPUT_TOKENS, GenAi.INPUT_TOKENS);
    assertEquals(GenAiIncubatingAttributes.GEN_AI_USAGE_OUTPUT_TOKENS, GenAi.OUTPUT_TOKENS);
    assertEquals(GenAiIncubatingAttributes.GEN_AI_RESPONSE_FINISH_REASONS, GenAi.FINISH_REASONS);
    assertEquals(GenAiIncubatingAttributes.GEN_AI_TOOL_NAME, GenAi.TOOL_NAME);
    assertEquals(GenAiIncubatingAttributes.GEN_AI_TOOL_CALL_ID, GenAi.TOOL_CALL_ID);
    assertEquals(GenAiIncubatingAttributes.GEN_AI_TOOL_TYPE, GenAi.TOOL_TYPE);
    assertEquals(ErrorAttributes.ERROR_TYPE, GenAi.ERROR_TYPE);
  }

  @Test
  void operationAndProviderNamesAreTheSemanticConventions() {
    assertEquals(
        GenAiIncubatingAttributes.GenAiOperationNameIncubatingValues.INVOKE_AGENT,
        GenAi.INVOKE_AGENT);
    assertEquals(GenAiIncubatingAttributes.GenAiOperationNameIncubatingValues.CHAT, GenAi.CHAT);
    assertEquals(
        GenAiIncubatingAttributes.GenAiOperationNameIncubatingValues.EXECUTE_TOOL,
        GenAi.EXECUTE_TOOL);
    assertEquals(
        GenAiIncubatingAttributes.GenAiProviderNameIncubatingValues.AWS_BEDROCK, GenAi.AWS_BEDROCK);
    assertEquals(GenAiIncubatingAttributes.GenAiProviderNameIncubatingValues.OPENAI, GenAi.OPENAI);
  }
}

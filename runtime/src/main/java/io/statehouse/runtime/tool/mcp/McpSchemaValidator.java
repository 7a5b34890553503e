package io.statehouse.runtime.tool.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.tool.ArgumentValidator;
import java.util.List;
import java.util.Map;

/**
 * The MCP SDK's schema validator on the validator the node already has (networknt 1.5.9, through
 * {@link ArgumentValidator} and its cache). The SDK's own needs networknt 2.x, which clashes with
 * the node's: every client and server the node or its tests build is given this one instead.
 */
public final class McpSchemaValidator implements JsonSchemaValidator {
  private final ArgumentValidator validator;

  public McpSchemaValidator(ArgumentValidator validator) {
    this.validator = validator;
  }

  public McpSchemaValidator() {
    this(new ArgumentValidator());
  }

  @Override
  public ValidationResponse validate(Map<String, Object> schema, Object structuredContent) {
    if (schema == null) {
      return ValidationResponse.asValid(null);
    }
    try {
      JsonNode value = Json.MAPPER.valueToTree(structuredContent);
      List<String> problems = validator.problems(Json.MAPPER.valueToTree(schema), value);
      return problems.isEmpty()
          ? ValidationResponse.asValid(Json.MAPPER.writeValueAsString(value))
          : ValidationResponse.asInvalid(String.join("; ", problems));
    } catch (Exception e) {
      return ValidationResponse.asInvalid("cannot validate: " + e.getMessage());
    }
  }

  @Override
  public ValidationResponse validateSchema(Map<String, Object> schema) {
    List<String> problems = ArgumentValidator.schemaProblems(Json.MAPPER.valueToTree(schema));
    return problems.isEmpty()
        ? ValidationResponse.asValid(null)
        : ValidationResponse.asInvalid(String.join("; ", problems));
  }
}

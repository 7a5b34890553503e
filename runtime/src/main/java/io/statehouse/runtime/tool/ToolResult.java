package io.statehouse.runtime.tool;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.statehouse.runtime.CborSerializable;

/** The outcome of one tool attempt. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
  @JsonSubTypes.Type(value = ToolResult.Success.class, name = "success"),
  @JsonSubTypes.Type(value = ToolResult.Failure.class, name = "failure")
})
public sealed interface ToolResult extends CborSerializable {

  /** The tool answered; {@code content} is its body (JSON or text) as the model will see it. */
  record Success(String content) implements ToolResult {}

  /**
   * The tool did not answer successfully.
   *
   * @param code short machine-readable reason ({@code timeout}, {@code http_503}, {@code
   *     invalid_arguments}, …)
   * @param retryable whether another attempt could succeed (timeouts, 5xx, 429, connection errors)
   */
  record Failure(String code, String message, boolean retryable) implements ToolResult {}
}

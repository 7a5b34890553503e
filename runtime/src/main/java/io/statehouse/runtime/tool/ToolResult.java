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
   * @param mayHaveActed whether the request may have reached the tool, so that it may have done its
   *     work although the call failed (a timeout, a broken connection, any answer but 2xx). Only a
   *     failure that proves the tool did not act (no connection, a request that could not be built)
   *     is false. For a non-idempotent tool such a failure is an unknown outcome, never a plain
   *     failure the model might simply retry.
   */
  record Failure(String code, String message, boolean retryable, boolean mayHaveActed)
      implements ToolResult {

    /** A failure that may have reached the tool: when in doubt, it did. */
    public Failure(String code, String message, boolean retryable) {
      this(code, message, retryable, true);
    }

    /** A failure that proves the tool never received the request. */
    public static Failure notSent(String code, String message, boolean retryable) {
      return new Failure(code, message, retryable, false);
    }
  }
}

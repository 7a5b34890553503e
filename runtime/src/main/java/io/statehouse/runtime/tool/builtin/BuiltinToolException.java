package io.statehouse.runtime.tool.builtin;

/**
 * A built-in tool's failure, saying what it means for the call (see {@code ToolResult.Failure}):
 * {@code mayHaveActed} false when the tool did nothing (so even a non-idempotent call is a plain
 * failure the model hears), {@code retryable} when another attempt could succeed.
 */
public class BuiltinToolException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String code;
  private final boolean retryable;
  private final boolean mayHaveActed;

  public BuiltinToolException(
      String code, String message, boolean retryable, boolean mayHaveActed) {
    super(message, null, false, false);
    this.code = code;
    this.retryable = retryable;
    this.mayHaveActed = mayHaveActed;
  }

  public String code() {
    return code;
  }

  public boolean retryable() {
    return retryable;
  }

  public boolean mayHaveActed() {
    return mayHaveActed;
  }
}

package io.statehouse.runtime.model;

/**
 * A model call that failed in a way its provider has classified: {@code code} is what the turn
 * records (e.g. {@code model_validation}, {@code model_throttled}, {@code model_credentials}) and
 * {@code retryable} whether calling again may help. A provider that already retried within the
 * call's budget says {@code false}. The message is the provider's, never a credential.
 */
public final class ModelCallException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;
  private final boolean retryable;

  public ModelCallException(String code, String message, boolean retryable) {
    super(message, null, false, false);
    this.code = code;
    this.retryable = retryable;
  }

  public String code() {
    return code;
  }

  public boolean retryable() {
    return retryable;
  }
}

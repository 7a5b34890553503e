package io.statehouse.runtime.audit;

/**
 * The audit keys are missing or unusable. Its message names the setting and the key id at fault,
 * never key material, and it never carries a cause whose message could quote a key file.
 */
public final class AuditKeyException extends IllegalStateException {
  AuditKeyException(String message) {
    super(message);
  }
}

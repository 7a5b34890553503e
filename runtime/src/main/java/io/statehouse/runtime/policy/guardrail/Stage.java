package io.statehouse.runtime.policy.guardrail;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/**
 * Where redaction applies (a guardrail spec's {@code redactIn}); see {@link GuardrailSpec} for what
 * each one means. The wire name is {@link #wire()}.
 */
public enum Stage {
  /** Before a value is written into an event; the model and exports then only see it redacted. */
  @JsonProperty("journal")
  JOURNAL,
  /** Only the model request; the journal keeps the value. */
  @JsonProperty("model")
  MODEL,
  /** Only the audit export; the journal and the model see the value. */
  @JsonProperty("export")
  EXPORT;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}

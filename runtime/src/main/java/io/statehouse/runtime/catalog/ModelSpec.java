package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import java.util.List;
import java.util.Objects;

/**
 * Which model an agent talks to. {@code provider} picks the {@code ModelClient}; the remaining
 * fields are read by the providers that understand them ({@code latencyMs}, {@code loop} and {@code
 * script} by the scripted provider).
 */
public record ModelSpec(
    String provider, String id, Long latencyMs, boolean loop, List<ScriptStep> script)
    implements CborSerializable {
  public ModelSpec {
    Objects.requireNonNull(provider, "provider");
    script = script == null ? List.of() : List.copyOf(script);
  }
}

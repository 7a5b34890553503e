package io.statehouse.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.CborSerializable;
import java.util.List;
import java.util.Objects;

/**
 * Which model an agent talks to. {@code provider} picks the {@code ModelClient}; {@code id} names
 * the model for providers that have several. {@code latencyMs}, {@code loop} and {@code script} are
 * the scripted provider's; {@code options} holds every other provider's settings (an object, or
 * null), which the provider's own package reads and validates (e.g. {@code BedrockOptions}).
 * Catalog events and sessions written before {@code options} existed read it as null.
 */
public record ModelSpec(
    String provider,
    String id,
    Long latencyMs,
    boolean loop,
    List<ScriptStep> script,
    JsonNode options)
    implements CborSerializable {
  public ModelSpec {
    Objects.requireNonNull(provider, "provider");
    script = script == null ? List.of() : List.copyOf(script);
    options =
        options == null || options.isNull() || (options.isObject() && options.isEmpty())
            ? null
            : options.deepCopy();
  }

  /** A spec without provider options: the scripted provider's form. */
  public ModelSpec(
      String provider, String id, Long latencyMs, boolean loop, List<ScriptStep> script) {
    this(provider, id, latencyMs, loop, script, null);
  }
}

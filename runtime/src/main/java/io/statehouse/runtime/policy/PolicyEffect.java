package io.statehouse.runtime.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;

/**
 * What a policy rule does to a tool call when it applies. Declared from least to most restrictive:
 * when several rules apply, the most restrictive effect wins (deny over require_approval over
 * allow). The wire names are defined here only.
 */
public enum PolicyEffect {
  /** The call runs. */
  ALLOW("allow"),
  /** The call waits for a human holding one of the rule's approver roles. */
  REQUIRE_APPROVAL("require_approval"),
  /** The call never runs; the model gets an error result with the reason. */
  DENY("deny");

  private final String wire;

  PolicyEffect(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  /** The effect named {@code value}; an unknown name is an {@link IllegalArgumentException}. */
  @JsonCreator
  public static PolicyEffect fromWire(String value) {
    return Arrays.stream(values())
        .filter(e -> e.wire.equals(value))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "effect must be one of " + wireNames() + ", not '" + value + "'"));
  }

  public static List<String> wireNames() {
    return Arrays.stream(values()).map(PolicyEffect::wire).toList();
  }
}

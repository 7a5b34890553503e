package io.statehouse.runtime.policy.guardrail;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import io.statehouse.runtime.CborSerializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One redaction rule: a built-in by name ({@code "email"}, written as a plain string) or a custom
 * one with its own regex ({@code {name: employee_id, pattern: "EMP-[0-9]{6}"}}). Matches are
 * replaced by {@code [REDACTED:<name>]}.
 *
 * @param pattern an RE2 regex; null for a built-in
 */
public record RedactRule(String name, String pattern) implements CborSerializable {

  @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
  public RedactRule(@JsonProperty("name") String name, @JsonProperty("pattern") String pattern) {
    this.name = name;
    this.pattern = pattern;
  }

  /** A built-in, as written in a definition: its bare name. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static RedactRule builtIn(String name) {
    return new RedactRule(name, null);
  }

  public static RedactRule custom(String name, String pattern) {
    return new RedactRule(name, pattern);
  }

  public boolean isBuiltIn() {
    return pattern == null;
  }

  /** Written back the way it is written in a definition: a bare name or {name, pattern}. */
  @JsonValue
  Object wire() {
    if (pattern == null) {
      return name;
    }
    Map<String, String> custom = new LinkedHashMap<>();
    custom.put("name", name);
    custom.put("pattern", pattern);
    return custom;
  }
}

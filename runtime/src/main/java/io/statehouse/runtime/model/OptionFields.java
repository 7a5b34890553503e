package io.statehouse.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reading a provider's model options ({@code BedrockOptions}, {@code OpenAiOptions}): each reader
 * returns the value, or null / the fallback after adding a problem that names the field as {@code
 * model.<name>}.
 */
public final class OptionFields {
  private OptionFields() {}

  /** The field, or null when it is absent or JSON null. */
  public static JsonNode field(JsonNode o, String name) {
    JsonNode n = o == null ? null : o.get(name);
    return n == null || n.isNull() ? null : n;
  }

  /** A problem for every field of {@code o} that is not one of {@code known} (listed in order). */
  public static void unknown(
      JsonNode o, Set<String> known, String provider, List<String> problems) {
    if (o == null) {
      return;
    }
    for (Map.Entry<String, JsonNode> f : o.properties()) {
      if (!known.contains(f.getKey())) {
        problems.add(
            "model."
                + f.getKey()
                + " is not an option of the "
                + provider
                + " provider; it has "
                + known);
      }
    }
  }

  /** A whole number of at least 1, and at most {@code max} unless it is null. */
  public static Integer positive(JsonNode o, String name, Integer max, List<String> problems) {
    JsonNode n = field(o, name);
    if (n == null) {
      return null;
    }
    if (!n.isIntegralNumber()
        || !n.canConvertToInt()
        || n.intValue() < 1
        || (max != null && n.intValue() > max)) {
      problems.add(
          "model."
              + name
              + (max == null
                  ? " must be a whole number of at least 1"
                  : " must be a whole number from 1 to " + max));
      return null;
    }
    return n.intValue();
  }

  /** A number from 0 to {@code max}. */
  public static Double number(JsonNode o, String name, int max, List<String> problems) {
    JsonNode n = field(o, name);
    if (n == null) {
      return null;
    }
    if (!n.isNumber() || n.doubleValue() < 0 || n.doubleValue() > max) {
      problems.add("model." + name + " must be a number from 0 to " + max);
      return null;
    }
    return n.doubleValue();
  }

  /** At most {@code maxCount} texts of 1 to {@code maxChars} characters; empty when absent. */
  public static List<String> texts(
      JsonNode o, String name, int maxCount, int maxChars, List<String> problems) {
    JsonNode n = field(o, name);
    if (n == null) {
      return List.of();
    }
    if (!n.isArray() || n.size() > maxCount) {
      problems.add("model." + name + " must be a list of at most " + maxCount + " texts");
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (JsonNode s : n) {
      if (!s.isTextual() || s.textValue().isEmpty() || s.textValue().length() > maxChars) {
        problems.add("model." + name + " holds texts of 1 to " + maxChars + " characters");
        return List.of();
      }
      out.add(s.textValue());
    }
    return List.copyOf(out);
  }

  /** true or false; {@code fallback} when absent. */
  public static boolean bool(JsonNode o, String name, boolean fallback, List<String> problems) {
    JsonNode n = field(o, name);
    if (n == null) {
      return fallback;
    }
    if (!n.isBoolean()) {
      problems.add("model." + name + " is true or false");
      return fallback;
    }
    return n.booleanValue();
  }
}

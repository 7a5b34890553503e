package io.statehouse.runtime.model.openai;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * {@code statehouse.models.openai}, plus the model call's budget ({@code
 * statehouse.session.model.call-timeout}) that every attempt and backoff of one call fits in.
 *
 * @param readTimeout the longest wait for the response head, and the longest silence within a
 *     reply's body
 * @param maxResponseBytes the most a reply may hold: a JSON body, or all the bytes of a stream
 * @param maxEventBytes the most one server-sent event (one line, or the data lines of one event)
 *     may hold
 * @param apiKeys the environment variables agents may name as {@code model.apiKeyEnv}, each with
 *     the base URL prefixes its value may be sent to, kept in {@link BaseUrls#normal} form
 */
public record OpenAiSettings(
    Duration connectTimeout,
    Duration readTimeout,
    int maxAttempts,
    Duration backoffMin,
    Duration backoffMax,
    long maxResponseBytes,
    int maxEventBytes,
    Map<String, List<String>> apiKeys,
    Duration callBudget) {

  static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final String AT = "statehouse.models.openai";

  public OpenAiSettings {
    for (Duration d : new Duration[] {connectTimeout, readTimeout, callBudget}) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(
            AT + ": connect-timeout, read-timeout and the model call-timeout must be positive");
      }
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException(AT + ".max-attempts must be at least 1");
    }
    if (backoffMin.isNegative() || backoffMax.compareTo(backoffMin) < 0) {
      throw new IllegalArgumentException(
          AT + ": backoff-max must be at least backoff-min, both positive");
    }
    if (maxResponseBytes < 1024 || maxEventBytes < 1024 || maxEventBytes > maxResponseBytes) {
      throw new IllegalArgumentException(
          AT + ": max-event-bytes and max-response-bytes must be at least 1 KiB, events no larger");
    }
    Map<String, List<String>> keys = new TreeMap<>();
    apiKeys.forEach(
        (name, prefixes) -> {
          if (!ENV_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                AT + ".api-keys." + name + ": not an environment variable name");
          }
          List<String> normal = new ArrayList<>();
          for (String p : prefixes) {
            BaseUrls.problem(p)
                .ifPresent(
                    why -> {
                      throw new IllegalArgumentException(
                          AT + ".api-keys." + name + ": a prefix " + why);
                    });
            normal.add(BaseUrls.normal(URI.create(p)));
          }
          keys.put(name, List.copyOf(normal));
        });
    apiKeys = Collections.unmodifiableMap(keys);
  }

  public static OpenAiSettings fromConfig(Config root) {
    Config c = root.getConfig(AT);
    Map<String, List<String>> keys = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : c.getObject("api-keys").entrySet()) {
      String where = AT + ".api-keys." + e.getKey();
      if (e.getValue().valueType() != ConfigValueType.LIST) {
        throw new IllegalArgumentException(where + " must be a list of base URL prefixes");
      }
      List<String> prefixes = new ArrayList<>();
      for (ConfigValue v : (ConfigList) e.getValue()) {
        if (v.valueType() != ConfigValueType.STRING) {
          throw new IllegalArgumentException(where + " must be a list of base URL prefixes");
        }
        prefixes.add((String) v.unwrapped());
      }
      keys.put(e.getKey(), prefixes);
    }
    return new OpenAiSettings(
        c.getDuration("connect-timeout"),
        c.getDuration("read-timeout"),
        c.getInt("max-attempts"),
        c.getDuration("backoff-min"),
        c.getDuration("backoff-max"),
        c.getBytes("max-response-bytes"),
        Math.toIntExact(c.getBytes("max-event-bytes")),
        keys,
        root.getDuration("statehouse.session.model.call-timeout"));
  }
}

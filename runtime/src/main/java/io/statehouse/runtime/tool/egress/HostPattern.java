package io.statehouse.runtime.tool.egress;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A host name rule: {@code api.example.com} matches that name only, {@code *.example.com} any name
 * below example.com (not example.com itself). Names compare case-insensitively, without a trailing
 * dot.
 */
record HostPattern(String pattern) {
  private static final Pattern LABELS =
      Pattern.compile("[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*");

  static HostPattern parse(String text) {
    String p = normalize(text);
    String rest = p.startsWith("*.") ? p.substring(2) : p;
    if (!LABELS.matcher(rest).matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a host name like api.example.com or *.example.com");
    }
    return new HostPattern(p);
  }

  static String normalize(String host) {
    String h = host.trim().toLowerCase(Locale.ROOT);
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  boolean matches(String host) {
    String h = normalize(host);
    return pattern.startsWith("*.") ? h.endsWith(pattern.substring(1)) : h.equals(pattern);
  }

  @Override
  public String toString() {
    return pattern;
  }
}

package io.statehouse.runtime.model.openai;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Base URLs of chat-completions servers and the prefixes an API key may be sent to, compared in one
 * normal form: {@code scheme://host:port/path/}, scheme and host in lower case, the default port
 * spelt out, the path ending with {@code /} so that a prefix only matches on a segment boundary
 * ({@code /openai/} does not match {@code /openai-evil}). Paths are restricted to a spelling no
 * server reads as another path (no dot segments, no percent-escapes, no empty segments): otherwise
 * {@code https://gateway/openai/../admin} would pass a {@code /openai/} prefix and reach {@code
 * /admin}.
 */
final class BaseUrls {
  static final int MAX_CHARS = 2048;
  // RFC 3986 pchar without percent-escapes
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._~!$&'()*+,;=:@-]+");

  private BaseUrls() {}

  /**
   * Why {@code text} is not usable as a base URL or a key prefix, or empty when it is. The text is
   * never quoted: a URL may carry credentials.
   */
  static Optional<String> problem(String text) {
    if (text.length() > MAX_CHARS) {
      return Optional.of("is longer than " + MAX_CHARS + " characters");
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      return Optional.of("is not a valid URL");
    }
    String scheme = uri.getScheme();
    if (scheme == null
        || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || uri.isOpaque()) {
      return Optional.of("must be an http or https URL");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of("may not carry user info");
    }
    if (uri.getHost() == null) {
      return Optional.of("has no valid host");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      return Optional.of("may not have a query or a fragment");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    if (!trimmed.isEmpty()) {
      for (String segment : trimmed.substring(1).split("/", -1)) {
        if (!SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
          return Optional.of(
              "has a path with dot segments, empty segments or percent-escapes, which servers may"
                  + " read as another path");
        }
      }
    }
    return Optional.empty();
  }

  /** The normal form of a URL {@link #problem} accepts. */
  static String normal(URI uri) {
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (!path.endsWith("/")) {
      path = path + "/";
    }
    return scheme + "://" + host + ":" + port + path;
  }

  /** Whether {@code baseUrl} is under {@code normalPrefix} (a {@link #normal} form). */
  static boolean under(URI baseUrl, String normalPrefix) {
    return normal(baseUrl).startsWith(normalPrefix);
  }

  /** {@code {baseUrl}/chat/completions}, whether or not the base URL ends with a slash. */
  static URI chatCompletions(URI baseUrl) {
    String base = baseUrl.toString();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return URI.create(base + "/chat/completions");
  }
}

package io.statehouse.runtime.catalog;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The names a model sees for MCP tools. Models (Bedrock, OpenAI) accept tool names matching {@code
 * ^[a-zA-Z0-9_-]{1,64}$}; MCP servers may list names with dots, spaces, any Unicode, up to 128
 * characters. Tool {@code t} of server {@code s} is shown as {@code s__t} when that is a usable
 * name as it stands; otherwise as {@code s__<t sanitised and shortened>_<8 hex digits of SHA-256 of
 * the pair>}.
 *
 * <p>Deterministic (the same pair always maps to the same name, on every node and release) and
 * without collisions:
 *
 * <ul>
 *   <li>a server's name has no {@code __} and does not end with {@code _}, so the part of a model
 *       name before its first {@code __} is the server: names of different servers never meet;
 *   <li>within a server, unchanged names are the tool's own name, so two of them never meet;
 *   <li>a tool name that already ends like a hashed name ({@code _} and 8 hex digits) is hashed
 *       too, so an unchanged name never equals a hashed one;
 *   <li>hashed names differ unless two tool names share the first 32 bits of their SHA-256; the
 *       catalog marks such a pair unusable rather than guess (with at most a few hundred tools per
 *       server, about one server in ten million would see one).
 * </ul>
 */
public final class McpToolNames {
  /** What a model accepts. */
  public static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /**
   * MCP server names: a letter, then letters, digits, {@code -} and single {@code _} between them;
   * at most 32 characters, which leaves a tool at least 30 in a model name.
   */
  public static final Pattern SERVER_NAME = Pattern.compile("[A-Za-z](?:[A-Za-z0-9-]|_(?!_))*");

  public static final int MAX_SERVER_NAME = 32;

  static final String SEPARATOR = "__";
  private static final int HASH_HEX = 8;
  private static final Pattern PLAIN_TOOL = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern LOOKS_HASHED = Pattern.compile(".*_[0-9a-f]{" + HASH_HEX + "}");

  private McpToolNames() {}

  /** Whether {@code name} may name an MCP server. */
  public static boolean validServerName(String name) {
    return name != null
        && name.length() <= MAX_SERVER_NAME
        && SERVER_NAME.matcher(name).matches()
        && !name.endsWith("_");
  }

  /** The name the model sees for tool {@code tool} of server {@code server}. */
  public static String modelName(String server, String tool) {
    if (!validServerName(server)) {
      throw new IllegalArgumentException("not an MCP server name: " + server);
    }
    String prefix = server + SEPARATOR;
    String plain = prefix + tool;
    if (PLAIN_TOOL.matcher(tool).matches()
        && plain.length() <= 64
        && !LOOKS_HASHED.matcher(tool).matches()) {
      return plain;
    }
    String hash = hash(server, tool);
    int room = 64 - prefix.length() - 1 - HASH_HEX;
    String sanitised = sanitise(tool);
    if (sanitised.length() > room) {
      sanitised = sanitised.substring(0, room);
    }
    // "get weather!" reads get_weather_<hash>, not get_weather__<hash>
    while (sanitised.endsWith("_")) {
      sanitised = sanitised.substring(0, sanitised.length() - 1);
    }
    return prefix + sanitised + "_" + hash;
  }

  /** The server a model name belongs to, if it has the shape of one. */
  public static Optional<String> serverOf(String modelName) {
    int at = modelName == null ? -1 : modelName.indexOf(SEPARATOR);
    return at > 0 ? Optional.of(modelName.substring(0, at)) : Optional.empty();
  }

  /** Every code point outside {@code [A-Za-z0-9_-]} as {@code _}, runs of {@code _} as one. */
  private static String sanitise(String tool) {
    StringBuilder out = new StringBuilder();
    tool.codePoints()
        .forEach(
            c -> {
              boolean ok =
                  (c >= 'a' && c <= 'z')
                      || (c >= 'A' && c <= 'Z')
                      || (c >= '0' && c <= '9')
                      || c == '-';
              char next = ok ? (char) c : '_';
              if (!(next == '_' && out.length() > 0 && out.charAt(out.length() - 1) == '_')) {
                out.append(next);
              }
            });
    return out.toString();
  }

  private static String hash(String server, String tool) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      // a NUL between the two: ("a", "b:c") and ("a:b", "c") must not hash alike
      sha.update(server.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(tool.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest()).substring(0, HASH_HEX);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}

package io.statehouse.api.http;

import com.typesafe.config.Config;
import io.statehouse.runtime.Principal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * API keys from config ({@code statehouse.api.keys}), stored only as SHA-256 hashes, each mapping
 * to a {@link Principal}. A presented key is hashed and compared in constant time with every entry.
 */
public final class ApiKeys implements Authenticator {
  private static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

  private record Entry(byte[] hash, Principal principal) {}

  private final List<Entry> entries;

  private ApiKeys(List<Entry> entries) {
    this.entries = entries;
  }

  /** Reads and checks the key list; a malformed entry stops the node from starting. */
  public static ApiKeys fromConfig(Config config) {
    List<Entry> entries =
        config.getConfigList("statehouse.api.keys").stream()
            .map(
                c -> {
                  String sha = c.getString("sha256").toLowerCase();
                  String tenant = c.getString("tenant");
                  if (!HEX64.matcher(sha).matches()) {
                    throw new IllegalArgumentException(
                        "statehouse.api.keys: sha256 must be 64 hex characters");
                  }
                  if (!validTenant(tenant)) {
                    throw new IllegalArgumentException(
                        "statehouse.api.keys: tenant '"
                            + tenant
                            + "' must match "
                            + TENANT.pattern());
                  }
                  List<String> roles = c.hasPath("roles") ? c.getStringList("roles") : List.of();
                  return new Entry(
                      HexFormat.of().parseHex(sha),
                      new Principal(tenant, c.getString("subject"), roles));
                })
            .toList();
    return new ApiKeys(entries);
  }

  /** Whether {@code tenant} is a valid tenant name, for keys and for JWTs alike. */
  static boolean validTenant(String tenant) {
    return tenant != null && TENANT.matcher(tenant).matches();
  }

  /** Answers at once: hashing a key never blocks. */
  @Override
  public CompletionStage<Optional<Principal>> principalOf(String authorizationHeader) {
    return CompletableFuture.completedFuture(authenticate(authorizationHeader));
  }

  /** The principal for an {@code Authorization} header value, if it carries a known key. */
  public Optional<Principal> authenticate(String authorizationHeader) {
    Optional<String> token = Authenticator.bearerToken(authorizationHeader);
    if (token.isEmpty()) {
      return Optional.empty();
    }
    byte[] presented = sha256(token.get());
    Principal found = null;
    for (Entry e : entries) {
      // check every entry so timing does not reveal which one matched
      if (MessageDigest.isEqual(e.hash(), presented) && found == null) {
        found = e.principal();
      }
    }
    return Optional.ofNullable(found);
  }

  public int size() {
    return entries.size();
  }

  public static String sha256Hex(String key) {
    return HexFormat.of().formatHex(sha256(key));
  }

  private static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

package io.statehouse.runtime.audit;

import io.statehouse.runtime.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hash chain over a journal. Each event stores the hash of the event before it ({@code
 * prevHash}); an event's own hash is SHA-256 over its type name and canonical JSON, which includes
 * that {@code prevHash}. Editing, removing or reordering any event breaks the link after it.
 */
public final class AuditChain {
  /** The {@code prevHash} of a journal's first event. */
  public static final String GENESIS = "0".repeat(64);

  private AuditChain() {}

  public static String hash(Object event) {
    MessageDigest sha = sha256();
    sha.update(event.getClass().getSimpleName().getBytes(StandardCharsets.UTF_8));
    sha.update((byte) '\n');
    sha.update(Json.canonicalBytes(event));
    return HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}

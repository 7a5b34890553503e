package io.statehouse.api.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The audit export's format (docs/governance-audit.md, "Export format"), shared by the node that
 * writes it and the offline command that verifies it. JSON lines: one {@code header}, one {@code
 * event} per journal event in sequence order, and a final {@code head} whose {@code statement} the
 * node signed (ES256, key in {@code /.well-known/jwks.json}) after checking every event's MAC.
 * Depends on the JDK only, so the offline verifier needs nothing of the node.
 */
public final class ExportFormat {
  /** The version in the header line and the signed statement. */
  public static final int VERSION = 1;

  /** The {@code purpose} of a signed head statement: no other signature of the key has it. */
  public static final String PURPOSE = "statehouse-audit-export-head";

  /** The {@code prevHash} of a journal's first event. */
  public static final String GENESIS = "0".repeat(64);

  public static final String MEDIA_TYPE = "application/x-ndjson";

  /** Line kinds ({@code kind}). */
  public static final String HEADER = "header";

  public static final String EVENT = "event";
  public static final String HEAD = "head";

  private ExportFormat() {}

  /**
   * The chain's hash of an event: SHA-256 over its type name, a newline and its payload (the stored
   * canonical JSON, UTF-8), as lowercase hex.
   */
  public static String hash(String type, String payload) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(type.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) '\n');
      sha.update(payload.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}

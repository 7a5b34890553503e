package io.statehouse.api.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The audit export's format (docs/governance.md, "Audit", "Export format"), shared by the node that
 * writes it and the offline command that verifies it. JSON lines: one {@code header}, one {@code
 * event} per journal event in sequence order, and a final {@code head} whose {@code statement} the
 * node signed (ES256, key in {@code /.well-known/jwks.json}) after checking every event's MAC.
 * Depends on the JDK only, so the offline verifier needs nothing of the node.
 *
 * <p>Version 2 adds redacted events: an event line marked {@code "redacted": true} carries its
 * payload redacted by the agent's {@code export} guardrails and, as {@code hash}, the hash of the
 * stored bytes (which the chain links), and the signed statement counts those lines and commits to
 * them ({@link Redactions}). Version 1 has no redacted lines; the verifier reads both.
 */
public final class ExportFormat {
  /** The version in the header line and the signed statement of the exports this node writes. */
  public static final int VERSION = 2;

  /** The first version: no redacted lines, no redaction fields in the statement. */
  public static final int VERSION_1 = 1;

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

  /** Whether the verifier reads exports of this version. */
  public static boolean readable(int version) {
    return version == VERSION_1 || version == VERSION;
  }

  /**
   * The chain's hash of an event: SHA-256 over its type name, a newline and its payload (the stored
   * canonical JSON, UTF-8), as lowercase hex.
   */
  public static String hash(String type, String payload) {
    MessageDigest sha = sha256();
    sha.update(type.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) '\n');
    sha.update(payload.getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(sha.digest());
  }

  /** Whether {@code text} has the shape of a hash of the chain: 64 lowercase hex digits. */
  public static boolean isHash(String text) {
    if (text == null || text.length() != 64) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  /**
   * The statement's commitment to the redacted lines ({@code redactedHash}): SHA-256 over one text
   * line per redacted event, in sequence order: its sequence number, a space, the hash of its
   * stored bytes, a space, {@link #hash} of its type and the redacted payload as exported, and a
   * newline. The node signs it, so a redacted payload, its hash or its place changed after export
   * fails the signature, although neither side can recompute the stored bytes from it.
   */
  public static final class Redactions {
    private final MessageDigest sha = sha256();
    private long count;

    public void add(long seq, String storedHash, String type, String redactedPayload) {
      count++;
      String entry = seq + " " + storedHash + " " + hash(type, redactedPayload) + "\n";
      sha.update(entry.getBytes(StandardCharsets.UTF_8));
    }

    public long count() {
      return count;
    }

    /** The digest of the lines added so far (the digest of nothing when there were none). */
    public String digest() {
      try {
        return HexFormat.of().formatHex(((MessageDigest) sha.clone()).digest());
      } catch (CloneNotSupportedException e) {
        throw new IllegalStateException("the JDK's SHA-256 can be cloned", e);
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}

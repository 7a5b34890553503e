package io.statehouse.runtime.audit;

import java.io.NotSerializableException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The stored form of everything the node seals (session events and session snapshots): a format
 * byte (1), the length of the key id (one byte), the key id (ASCII), 32 bytes of HMAC-SHA256 over
 * the stored type name, a newline and the payload, made with that audit key; then the payload.
 */
final class SealedBytes {
  static final byte FORMAT = 1;

  private SealedBytes() {}

  /** A payload read back: where it starts in the stored bytes and what its MAC says of it. */
  record Opened(String keyId, int payloadStart, Integrity integrity) {}

  /** {@code payload} with a header sealing it as {@code type} under the keyring's current key. */
  static byte[] seal(AuditKeys ring, String type, byte[] payload) {
    String keyId = ring.currentId();
    byte[] id = keyId.getBytes(StandardCharsets.US_ASCII);
    byte[] mac = ring.mac(keyId, type, payload, 0, payload.length);
    byte[] out = new byte[2 + id.length + mac.length + payload.length];
    out[0] = FORMAT;
    out[1] = (byte) id.length;
    System.arraycopy(id, 0, out, 2, id.length);
    System.arraycopy(mac, 0, out, 2 + id.length, mac.length);
    System.arraycopy(payload, 0, out, 2 + id.length + mac.length, payload.length);
    return out;
  }

  /**
   * Reads the header of {@code bytes} stored as {@code type} and checks the MAC; fails only when
   * the header itself is not one (unknown format, truncated).
   */
  static Opened open(AuditKeys ring, String type, byte[] bytes) throws NotSerializableException {
    if (bytes.length < 2 || bytes[0] != FORMAT) {
      throw new NotSerializableException(
          "stored " + type + " has an unknown format " + (bytes.length == 0 ? "" : bytes[0]));
    }
    int idLength = bytes[1] & 0xff;
    int start = 2 + idLength + AuditKeys.MAC_BYTES;
    if (idLength == 0 || bytes.length < start) {
      throw new NotSerializableException("stored " + type + " has a truncated header");
    }
    String keyId = new String(bytes, 2, idLength, StandardCharsets.US_ASCII);
    byte[] stored = Arrays.copyOfRange(bytes, 2 + idLength, start);
    Integrity integrity =
        !ring.has(keyId)
            ? Integrity.UNKNOWN_KEY
            : ring.matches(keyId, type, bytes, start, bytes.length - start, stored)
                ? Integrity.VALID
                : Integrity.BAD_MAC;
    return new Opened(keyId, start, integrity);
  }
}

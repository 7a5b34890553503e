package io.statehouse.runtime.audit;

import java.nio.charset.StandardCharsets;

/**
 * An event's stored form as the audit chain sees it: the canonical JSON the journal holds for it
 * (after a small header), the hash of those bytes, and what checking its MAC found. It is derived
 * from the bytes, not part of the event's value: events compare equal with or without one.
 */
public final class Seal {
  private final byte[] json;
  private final String hash;
  private final Integrity integrity;
  private final String keyId;

  Seal(byte[] json, String hash, Integrity integrity, String keyId) {
    this.json = json;
    this.hash = hash;
    this.integrity = integrity;
    this.keyId = keyId;
  }

  /** SHA-256 over the event's type name, a newline and {@link #json()}: its link in the chain. */
  public String hash() {
    return hash;
  }

  public Integrity integrity() {
    return integrity;
  }

  /** The audit key the event was sealed with, when read from the journal (null otherwise). */
  public String keyId() {
    return keyId;
  }

  /** The stored canonical JSON, exactly: what an export carries and an auditor hashes. */
  public String json() {
    return new String(json, StandardCharsets.UTF_8);
  }

  /** The stored bytes themselves, shared: callers in this package never change them. */
  byte[] bytes() {
    return json;
  }

  /** Short on purpose: events are logged, and their payload belongs in the journal only. */
  @Override
  public String toString() {
    return "Seal[" + hash + ", " + integrity + "]";
  }
}

package io.statehouse.runtime.audit;

/**
 * What an event's seal says about its stored bytes. Each event the node writes carries an
 * HMAC-SHA256 over its type and canonical JSON, made with the node's audit key; reading it back
 * checks that MAC, so an event rewritten without the key is found even when every plain hash after
 * it was recomputed.
 */
public enum Integrity {
  /** Built in this process and not read back from a journal: its MAC is added when it is stored. */
  UNSTORED,
  /** Read from the journal; its MAC matches its stored bytes. */
  VALID,
  /** Read from the journal; its MAC does not match its stored bytes: they were changed. */
  BAD_MAC,
  /** Read from the journal; sealed with a key id the node's keyring does not hold. */
  UNKNOWN_KEY,
  /** Stored before events were sealed (Jackson CBOR): only its plain hash can be checked. */
  UNKEYED;

  /** Whether the event's bytes cannot be vouched for: a session treats it as a journal break. */
  public boolean forged() {
    return this == BAD_MAC || this == UNKNOWN_KEY;
  }

  /** Whether the event carries a seal at all (as every event written since sealing does). */
  public boolean keyed() {
    return this != UNKEYED;
  }
}

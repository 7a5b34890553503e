package io.statehouse.runtime.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.statehouse.runtime.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hash chain over a journal. Each event stores the hash of the event before it ({@code
 * prevHash}); an event's own hash is SHA-256 over its type name, a newline and its canonical JSON,
 * which includes that {@code prevHash}. Editing, removing or reordering any event breaks the link
 * after it.
 *
 * <p>Since events are sealed, the canonical JSON is what the journal stores (see {@link
 * SessionEventSerializer}), and the hash is taken over those stored bytes, so a later change to an
 * event class never changes an old event's hash. Events stored before (Jackson CBOR) are hashed by
 * rendering them again, as they always were.
 */
public final class AuditChain {
  /** The {@code prevHash} of a journal's first event. */
  public static final String GENESIS = "0".repeat(64);

  private AuditChain() {}

  /**
   * An event's hash: its seal's (taken over the stored bytes) when it has one, otherwise computed
   * from its canonical JSON: the rule for events stored before sealing and for values built in
   * tests.
   */
  public static String hash(Object event) {
    if (event instanceof ChainedEvent e && e.meta().seal() != null) {
      return e.meta().seal().hash();
    }
    byte[] json = Json.canonicalBytes(event);
    return hash(event.getClass().getSimpleName(), json, 0, json.length);
  }

  /** SHA-256 over {@code type}, a newline and the JSON bytes: the one formula of the chain. */
  public static String hash(String type, byte[] json, int offset, int length) {
    MessageDigest sha = sha256();
    sha.update(type.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) '\n');
    sha.update(json, offset, length);
    return HexFormat.of().formatHex(sha.digest());
  }

  /**
   * Renders a new event in the form the journal will store, hashes it, and keeps both in the
   * event's metadata: the hash becomes the session's audit head now, and the journal's serializer
   * writes these bytes instead of rendering the event again.
   */
  public static Seal seal(ChainedEvent event) {
    Seal seal = unstored(event);
    event.meta().sealSlot().fill(seal);
    return seal;
  }

  /** The seal a new event gets, without keeping it. */
  static Seal unstored(ChainedEvent event) {
    byte[] json = storedJson(event);
    return new Seal(
        json,
        hash(event.getClass().getSimpleName(), json, 0, json.length),
        Integrity.UNSTORED,
        null);
  }

  /** What the event's seal says about its bytes; {@link Integrity#UNKEYED} when it has none. */
  public static Integrity integrity(ChainedEvent event) {
    Seal seal = event.meta().seal();
    return seal == null ? Integrity.UNKEYED : seal.integrity();
  }

  /**
   * The canonical JSON of a new event: object keys sorted at every depth (record fields, maps and
   * JSON values), absent (null) fields left out. Written in one pass, without building a tree.
   * Unlike {@link Json#canonicalBytes} it keeps explicit nulls inside JSON values such as a tool's
   * input, since these bytes are now the journal's only copy of the event; for events without such
   * nulls the two are the same bytes, so the hash is the one the chain always had.
   */
  static byte[] storedJson(Object event) {
    try {
      return STORED.writeValueAsBytes(event);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot render " + event.getClass().getSimpleName() + " as JSON", e);
    }
  }

  /** {@link Json#MAPPER}'s settings, writing every object's keys in sorted order. */
  private static final ObjectMapper STORED =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .disable(MapperFeature.SORT_CREATOR_PROPERTIES_FIRST)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
          .build();

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}

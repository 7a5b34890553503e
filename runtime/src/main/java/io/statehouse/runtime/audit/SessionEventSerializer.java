package io.statehouse.runtime.audit;

import com.fasterxml.jackson.databind.ObjectReader;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.workspace.WorkspaceEvent;
import java.io.IOException;
import java.io.NotSerializableException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * How session and workspace events ({@link ChainedEvent}) are stored: a header, then the event's
 * canonical JSON, exactly the bytes its audit hash is taken over. The header ({@link SealedBytes})
 * holds the audit key id and an HMAC-SHA256 over the event's type name, a newline and the JSON,
 * made with that key. The manifest is the event's simple class name (events are never renamed).
 *
 * <p>Reading an event hashes the stored JSON and checks its MAC, and keeps both in the event's
 * {@link Seal}; a MAC that does not match still yields the event, marked {@link Integrity#BAD_MAC},
 * so that verification can name it and the session can refuse it. Events stored before sealing
 * carry Jackson CBOR's serializer id and keep reading through that serializer.
 *
 * <p>Writing reuses the bytes the event was sealed with when it was built ({@code EventBatch}), so
 * an event is rendered once. Without audit keys ({@link AuditKeys#fromConfig}) the serializer can
 * be created, so that systems which never store events (tools' tests) start, but it refuses every
 * event; a node checks for keys at start ({@link #requireKeys}).
 */
public final class SessionEventSerializer extends SerializerWithStringManifest {
  static final int IDENTIFIER = 740_002;

  /** The sealed interfaces whose events this serializer stores (declared before the readers). */
  static final List<Class<?>> CHAINED = List.of(SessionEvent.class, WorkspaceEvent.class);

  private static final Map<String, ObjectReader> READERS = readers();

  private final AuditKeys keys;
  private final AuditKeyException missing;

  public SessionEventSerializer(ExtendedActorSystem system) {
    AuditKeys found = null;
    AuditKeyException problem = null;
    try {
      found = AuditKeys.fromConfig(system.settings().config());
    } catch (AuditKeyException e) {
      problem = e;
    }
    this.keys = found;
    this.missing = problem;
  }

  /** For tests: a serializer with the given keyring. */
  SessionEventSerializer(AuditKeys keys) {
    this.keys = keys;
    this.missing = null;
  }

  /**
   * Fails with the keyring's problem (what to configure) when {@code system} has no usable audit
   * keys: a node calls it at start so that it stops there, not at its first write.
   */
  public static void requireKeys(ClassicActorSystemProvider system) {
    Object serializer;
    try {
      serializer =
          SerializationExtension.get(system)
              .serializerFor(SessionEvent.class.getPermittedSubclasses()[0]);
    } catch (NotSerializableException e) {
      serializer = null;
    }
    if (!(serializer instanceof SessionEventSerializer s)) {
      throw new IllegalStateException(
          "session events are not bound to " + SessionEventSerializer.class.getName());
    }
    s.keys();
  }

  AuditKeys keys() {
    if (keys == null) {
      throw new AuditKeyException(missing.getMessage());
    }
    return keys;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    return o.getClass().getSimpleName();
  }

  @Override
  public byte[] toBinary(Object o) {
    ChainedEvent event = (ChainedEvent) o;
    Seal seal = event.meta().seal();
    byte[] json = seal != null ? seal.bytes() : AuditChain.unstored(event).bytes();
    return SealedBytes.seal(keys(), manifest(o), json);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    ObjectReader reader = READERS.get(manifest);
    if (reader == null) {
      throw new NotSerializableException("no journal event type " + printable(manifest));
    }
    SealedBytes.Opened opened = SealedBytes.open(keys(), manifest, bytes);
    int jsonStart = opened.payloadStart();
    int length = bytes.length - jsonStart;
    ChainedEvent event;
    try {
      event = reader.readValue(bytes, jsonStart, length);
    } catch (IOException | RuntimeException e) {
      // the parser's message quotes the stored text, which may be personal data: type only
      throw new NotSerializableException(
          "stored " + manifest + " is not readable JSON (" + e.getClass().getSimpleName() + ")");
    }
    if (event.meta() == null) {
      throw new NotSerializableException("stored " + manifest + " has no meta");
    }
    byte[] json = Arrays.copyOfRange(bytes, jsonStart, bytes.length);
    event
        .meta()
        .sealSlot()
        .fill(
            new Seal(
                json,
                AuditChain.hash(manifest, json, 0, json.length),
                opened.integrity(),
                opened.keyId()));
    return event;
  }

  /**
   * A reader per event type, by simple name: every permitted subtype of the sealed interfaces of
   * chained journals (sessions and workspaces). Simple names are unique across both.
   */
  private static Map<String, ObjectReader> readers() {
    Map<String, ObjectReader> out = new HashMap<>();
    for (Class<?> family : CHAINED) {
      for (Class<?> type : family.getPermittedSubclasses()) {
        if (out.put(type.getSimpleName(), Json.MAPPER.readerFor(type)) != null) {
          throw new IllegalStateException("two journal event types named " + type.getSimpleName());
        }
      }
    }
    return Map.copyOf(out);
  }

  private static String printable(String s) {
    String cut = s.length() > 64 ? s.substring(0, 64) + "…" : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }
}

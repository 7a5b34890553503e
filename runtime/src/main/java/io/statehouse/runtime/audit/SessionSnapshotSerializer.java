package io.statehouse.runtime.audit;

import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionState;
import java.io.NotSerializableException;
import java.util.Arrays;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.serialization.Serializers;

/**
 * How session snapshots are stored: the state in Jackson CBOR (as it crosses nodes), sealed with
 * the audit key under the type name {@value #TYPE} ({@link SealedBytes}). A snapshot is a shortcut
 * through the journal, so it must be as hard to forge as the events: without the MAC, rewriting a
 * snapshot row in Cassandra would change what a session does while every event still verifies.
 *
 * <p>Reading never fails: a snapshot whose MAC does not match, whose key the node does not hold, or
 * whose state this version cannot read comes back without its state ({@link
 * SealedSnapshot#trusted()} false), and the session recovers from its journal instead. The keyring
 * is the session event serializer's, so events and snapshots are sealed with the same key.
 */
public final class SessionSnapshotSerializer extends SerializerWithStringManifest {
  static final int IDENTIFIER = 740_003;

  /** The name sealed with the payload: a snapshot's MAC can never pass for an event's. */
  static final String TYPE = "SessionSnapshot";

  private final ExtendedActorSystem system;
  private volatile Parts parts;

  /** What the serializer borrows from the system's others, found at first use. */
  private record Parts(AuditKeys keys, Serializer state, String stateManifest) {}

  public SessionSnapshotSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    return TYPE;
  }

  @Override
  public byte[] toBinary(Object o) {
    if (!(o instanceof SealedSnapshot snapshot) || snapshot.state() == null) {
      throw new IllegalArgumentException("only a snapshot with a state can be stored");
    }
    Parts p = parts();
    return SealedBytes.seal(p.keys(), TYPE, p.state().toBinary(snapshot.state()));
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    if (!TYPE.equals(manifest)) {
      throw new NotSerializableException("not a session snapshot: " + manifest);
    }
    Parts p = parts();
    SealedBytes.Opened opened;
    try {
      opened = SealedBytes.open(p.keys(), TYPE, bytes);
    } catch (NotSerializableException e) {
      // a header that is not one was written by someone else
      return new SealedSnapshot(null, Integrity.BAD_MAC);
    }
    if (opened.integrity() != Integrity.VALID) {
      return new SealedSnapshot(null, opened.integrity());
    }
    byte[] payload = Arrays.copyOfRange(bytes, opened.payloadStart(), bytes.length);
    try {
      Object state =
          SerializationExtension.get(system)
              .deserialize(payload, p.state().identifier(), p.stateManifest())
              .get();
      return new SealedSnapshot((SessionState) state, Integrity.VALID);
    } catch (RuntimeException e) {
      // intact but not readable by this version (its state's shape changed): the journal is
      return new SealedSnapshot(null, Integrity.VALID);
    }
  }

  private Parts parts() {
    Parts p = parts;
    if (p == null) {
      // found lazily: the serialization extension is still being built when serializers are made
      Serialization serialization = SerializationExtension.get(system);
      try {
        Serializer events =
            serialization.serializerFor(SessionEvent.class.getPermittedSubclasses()[0]);
        Serializer state = serialization.serializerFor(SessionState.class);
        SessionState sample = SessionState.empty();
        p =
            new Parts(
                ((SessionEventSerializer) events).keys(),
                state,
                Serializers.manifestFor(state, sample));
      } catch (NotSerializableException e) {
        throw new IllegalStateException("session state has no serializer", e);
      }
      parts = p;
    }
    return p;
  }
}

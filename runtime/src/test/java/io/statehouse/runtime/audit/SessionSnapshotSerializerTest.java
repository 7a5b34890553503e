package io.statehouse.runtime.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.EventMeta;
import io.statehouse.runtime.session.SessionEvent.ModelReplied;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionEvent.UserMessageAdded;
import io.statehouse.runtime.session.SessionState;
import io.statehouse.runtime.testing.Specs;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Snapshots are stored sealed with the audit key: one read back intact gives its state; one whose
 * bytes changed, whose key the node does not hold, or whose header is no header gives none, so a
 * session never recovers from it.
 */
class SessionSnapshotSerializerTest {
  private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.load());

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static SessionState state() {
    SessionState s = SessionState.empty();
    return s.apply(
        new SessionCreated(
            new EventMeta(Instant.parse("2026-11-23T10:00:00Z"), "user:alice", s.auditHead()),
            "ses_snapshot",
            Specs.ALICE,
            Specs.agent(List.of(), 3, false),
            List.of(),
            Map.of("purpose", "refund for order 1234")));
  }

  private static Serializer serializer() throws Exception {
    Serializer s = SerializationExtension.get(KIT.system()).serializerFor(SealedSnapshot.class);
    assertInstanceOf(SessionSnapshotSerializer.class, s, "snapshots are bound to the sealer");
    return s;
  }

  private static SealedSnapshot read(byte[] stored) throws Exception {
    SessionSnapshotSerializer s = (SessionSnapshotSerializer) serializer();
    return (SealedSnapshot) s.fromBinary(stored, SessionSnapshotSerializer.TYPE);
  }

  private static byte[] stored() throws Exception {
    return serializer().toBinary(SealedSnapshot.of(state()));
  }

  private static byte[] replaced(byte[] bytes, String text, String by) {
    String s = new String(bytes, StandardCharsets.ISO_8859_1);
    assertTrue(s.contains(text), "the stored form holds " + text);
    return s.replace(text, by).getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void anIntactSnapshotGivesBackItsState() throws Exception {
    SealedSnapshot back = read(stored());

    assertTrue(back.trusted());
    assertEquals(Integrity.VALID, back.integrity());
    assertEquals(state(), back.state());
  }

  @Test
  void aStateStoredBeforeTheContextBoundIsReadWithItsToolUsesCounted() throws Exception {
    // a tool-using turn, then the state as a node before the working context's bound stored it:
    // without contextDropped and toolUses
    SessionState s = state();
    s =
        s.apply(
            new UserMessageAdded(
                new EventMeta(Instant.parse("2026-11-23T10:00:01Z"), "user:alice", s.auditHead()),
                "t1",
                "find it",
                null,
                null));
    s =
        s.apply(
            new ModelReplied(
                new EventMeta(Instant.parse("2026-11-23T10:00:02Z"), "runtime", s.auditHead()),
                "t1",
                1,
                null,
                List.of(new ToolUse("c1", "search", new ObjectMapper().createObjectNode())),
                "tool_use",
                Usage.ZERO));
    assertEquals(1, s.toolUses());
    SerializerWithStringManifest states =
        (SerializerWithStringManifest)
            SerializationExtension.get(KIT.system()).serializerFor(SessionState.class);
    ObjectMapper cbor = new ObjectMapper(new CBORFactory());
    ObjectNode tree = (ObjectNode) cbor.readTree(states.toBinary(s));
    assertTrue(tree.has("toolUses"), "the stored form names the field");
    tree.remove("toolUses");
    tree.remove("contextDropped");

    SessionState old =
        (SessionState) states.fromBinary(cbor.writeValueAsBytes(tree), states.manifest(s));

    assertEquals(1, old.toolUses(), "counted from the messages, which were the whole conversation");
    assertEquals(0, old.contextDropped());
    assertEquals(s.messages(), old.messages());
  }

  @Test
  void aSnapshotWhoseBytesChangedGivesNoState() throws Exception {
    SealedSnapshot back = read(replaced(stored(), "order 1234", "order 9999"));

    assertFalse(back.trusted());
    assertEquals(Integrity.BAD_MAC, back.integrity());
    assertNull(back.state());
  }

  @Test
  void aSnapshotSealedWithAKeyTheNodeDoesNotHoldGivesNoState() throws Exception {
    // the key id in the header is the test keyring's "runtime-test"
    SealedSnapshot back = read(replaced(stored(), "runtime-test", "runtime-xxxx"));

    assertFalse(back.trusted());
    assertEquals(Integrity.UNKNOWN_KEY, back.integrity());
  }

  @Test
  void bytesWithoutASealGiveNoStateInsteadOfFailingRecovery() throws Exception {
    SealedSnapshot back = read("not a snapshot".getBytes(StandardCharsets.UTF_8));

    assertFalse(back.trusted());
    assertNull(back.state());
  }

  @Test
  void anEventsSealCannotPassForASnapshots() throws Exception {
    // the same payload sealed as an event type: the MAC covers the type name, so it fails here
    SessionEventSerializer events =
        (SessionEventSerializer)
            SerializationExtension.get(KIT.system()).serializerFor(SessionCreated.class);
    byte[] payload =
        SerializationExtension.get(KIT.system())
            .serializerFor(SessionState.class)
            .toBinary(state());
    byte[] sealedAsEvent = SealedBytes.seal(events.keys(), "SessionCreated", payload);

    assertEquals(Integrity.BAD_MAC, read(sealedAsEvent).integrity());
  }
}

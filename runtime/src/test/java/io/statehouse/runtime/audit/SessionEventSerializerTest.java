package io.statehouse.runtime.audit;

import static io.statehouse.runtime.testing.Specs.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.session.EventMeta;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionEvent.SessionClosed;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionEvent.ToolCallStarted;
import io.statehouse.runtime.testing.Specs;
import java.io.NotSerializableException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.Test;

class SessionEventSerializerTest {
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  private static final byte[] KEY_1 = "k1-k1-k1-k1-k1-k1-k1-k1-k1-k1-k1-".getBytes();
  private static final byte[] KEY_2 = "k2-k2-k2-k2-k2-k2-k2-k2-k2-k2-k2-".getBytes();
  private final SessionEventSerializer serializer =
      new SessionEventSerializer(AuditKeys.of("k1", Map.of("k1", KEY_1)));

  private static ToolCallStarted started(String prevHash, String inputJson) {
    return new ToolCallStarted(
        new EventMeta(T0, "runtime", prevHash), "t1", "c1", "search", json(inputJson), "k", 1);
  }

  private SessionEvent read(SessionEventSerializer s, byte[] bytes, Object event) throws Exception {
    return (SessionEvent) s.fromBinary(bytes, serializer.manifest(event));
  }

  /** Where the JSON starts in a stored event: format, id length, id, 32 bytes of MAC. */
  private static int jsonStart(byte[] stored) {
    return 2 + stored[1] + 32;
  }

  @Test
  void storesAHeaderAndTheCanonicalJsonAndReadsBackAnEqualEventWithAValidMac() throws Exception {
    ToolCallStarted event = started(AuditChain.GENESIS, "{\"b\":1,\"a\":\"x\"}");
    byte[] stored = serializer.toBinary(event);

    assertEquals(1, stored[0], "format version");
    assertEquals("k1", new String(stored, 2, stored[1], StandardCharsets.US_ASCII));
    String json = new String(stored, jsonStart(stored), stored.length - jsonStart(stored), UTF8);
    assertEquals(new String(Json.canonicalBytes(event), UTF8), json);
    assertEquals("ToolCallStarted", serializer.manifest(event));

    SessionEvent back = read(serializer, stored, event);
    assertEquals(event, back);
    assertEquals(Integrity.VALID, AuditChain.integrity(back));
    assertEquals("k1", back.meta().seal().keyId());
    assertEquals(json, back.meta().seal().json());
    assertEquals(AuditChain.hash(event), AuditChain.hash(back), "the chain's hash formula");
  }

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

  @Test
  void aSessionOpeningWithItsWholeAgentSpecSurvivesTheJournal() throws Exception {
    SessionCreated event =
        new SessionCreated(
            new EventMeta(T0, "user:alice", AuditChain.GENESIS),
            "ses_1",
            Specs.ALICE,
            Specs.agent(List.of("search"), 5, true, 20L, Specs.text("hi")),
            List.of(Specs.tool("search", true)),
            Map.of("ticket", "T-1"));
    SessionEvent back = read(serializer, serializer.toBinary(event), event);
    assertEquals(event, back);
    assertEquals(Integrity.VALID, AuditChain.integrity(back));
  }

  @Test
  void theHashIsTakenOverTheStoredBytesNotARenderingOfTheEvent() throws Exception {
    ToolCallStarted event = started(AuditChain.GENESIS, "{\"a\":1}");
    byte[] stored = serializer.toBinary(event);
    // the same event in bytes an older or newer version of the class might have written: extra
    // spaces change nothing in the value, so only a hash of the stored bytes can tell
    String json = new String(stored, jsonStart(stored), stored.length - jsonStart(stored), UTF8);
    byte[] spaced = withJson(stored, json.replace(",", ", "));

    SessionEvent back = read(serializer, spaced, event);

    assertEquals(event, back, "the same value");
    assertEquals(
        AuditChain.hash(
            "ToolCallStarted", spaced, jsonStart(spaced), spaced.length - jsonStart(spaced)),
        AuditChain.hash(back));
    assertNotEquals(AuditChain.hash(event), AuditChain.hash(back));
  }

  @Test
  void aChangedCharacterInTheStoredJsonStillReadsButFailsItsMac() throws Exception {
    ToolCallStarted event = started(AuditChain.GENESIS, "{\"amount\":100}");
    byte[] stored = serializer.toBinary(event);
    String json = new String(stored, jsonStart(stored), stored.length - jsonStart(stored), UTF8);

    SessionEvent back = read(serializer, withJson(stored, json.replace("100", "900")), event);

    assertEquals(900, ((ToolCallStarted) back).input().path("amount").asInt());
    assertEquals(Integrity.BAD_MAC, AuditChain.integrity(back));
    assertTrue(AuditChain.integrity(back).forged());
  }

  @Test
  void aRewrittenEventWhosePlainHashWasRecomputedIsStillCaughtByItsMac() throws Exception {
    // an attacker with write access to the journal but not the key: rewrites the event, keeps
    // the header, and computes the hash the next event will link to; the link holds, the MAC not
    ToolCallStarted event = started(AuditChain.GENESIS, "{\"to\":\"alice\"}");
    byte[] stored = serializer.toBinary(event);
    ToolCallStarted forged = started(AuditChain.GENESIS, "{\"to\":\"mallory\"}");
    byte[] forgedJson = Json.canonicalBytes(forged);
    byte[] rewritten = withJson(stored, new String(forgedJson, UTF8));

    SessionEvent back = read(serializer, rewritten, event);

    assertEquals(AuditChain.hash(forged), AuditChain.hash(back), "its plain hash is consistent");
    assertEquals(Integrity.BAD_MAC, AuditChain.integrity(back));
  }

  @Test
  void aKeyNoLongerCurrentStillVerifiesAndAnUnknownKeyIsSaidSo() throws Exception {
    ToolCallStarted event = started(AuditChain.GENESIS, "{}");
    byte[] sealedWithK1 = serializer.toBinary(event);
    SessionEventSerializer rotated =
        new SessionEventSerializer(AuditKeys.of("k2", Map.of("k1", KEY_1, "k2", KEY_2)));
    SessionEventSerializer otherNode =
        new SessionEventSerializer(AuditKeys.of("k2", Map.of("k2", KEY_2)));

    assertEquals(Integrity.VALID, AuditChain.integrity(read(rotated, sealedWithK1, event)));
    assertEquals("k2", new String(rotated.toBinary(event), 2, 2, StandardCharsets.US_ASCII));
    assertEquals(Integrity.UNKNOWN_KEY, AuditChain.integrity(read(otherNode, sealedWithK1, event)));
  }

  @Test
  void theSameIdWithAnotherKeyIsABadMac() throws Exception {
    ToolCallStarted event = started(AuditChain.GENESIS, "{}");
    SessionEventSerializer impostor =
        new SessionEventSerializer(AuditKeys.of("k1", Map.of("k1", KEY_2)));
    assertEquals(
        Integrity.BAD_MAC, AuditChain.integrity(read(serializer, impostor.toBinary(event), event)));
  }

  @Test
  void explicitNullsInAToolInputSurviveTheJournal() throws Exception {
    ToolCallStarted event = started(AuditChain.GENESIS, "{\"a\":null,\"b\":[null,1]}");
    SessionEvent back = read(serializer, serializer.toBinary(event), event);
    assertEquals(event, back);
    assertTrue(((ToolCallStarted) back).input().has("a"));
  }

  @Test
  void writingUsesTheBytesTheEventWasSealedWith() {
    ToolCallStarted event = started(AuditChain.GENESIS, "{\"q\":\"x\"}");
    Seal seal = AuditChain.seal(event);
    byte[] stored = serializer.toBinary(event);
    assertArrayEquals(seal.bytes(), Arrays.copyOfRange(stored, jsonStart(stored), stored.length));
    assertEquals(Integrity.UNSTORED, seal.integrity());
    assertEquals(seal.hash(), AuditChain.hash(event));
  }

  @Test
  void oneMetaCannotSealTwoEvents() {
    EventMeta meta = new EventMeta(T0, "runtime", AuditChain.GENESIS);
    AuditChain.seal(new SessionClosed(meta, "a"));
    assertThrows(IllegalStateException.class, () -> AuditChain.seal(new SessionClosed(meta, "b")));
  }

  @Test
  void aSealIsNotPartOfTheEventsValue() {
    ToolCallStarted sealed = started(AuditChain.GENESIS, "{}");
    AuditChain.seal(sealed);
    ToolCallStarted plain = started(AuditChain.GENESIS, "{}");
    assertEquals(plain, sealed);
    assertEquals(plain.hashCode(), sealed.hashCode());
    assertFalse(new String(Json.canonicalBytes(sealed), UTF8).contains("seal"), "never serialized");
  }

  @Test
  void unreadableBytesFailWithoutQuotingThem() {
    ToolCallStarted event = started(AuditChain.GENESIS, "{\"secret\":\"4111111111111111\"}");
    byte[] stored = serializer.toBinary(event);
    String json = new String(stored, jsonStart(stored), stored.length - jsonStart(stored), UTF8);
    byte[] broken = withJson(stored, json.substring(0, json.length() - 5));

    NotSerializableException e =
        assertThrows(NotSerializableException.class, () -> read(serializer, broken, event));
    assertFalse(e.getMessage().contains("4111"), e.getMessage());
    assertThrows(
        NotSerializableException.class,
        () -> read(serializer, new byte[] {9, 0, 1, 2}, event),
        "an unknown format");
    assertThrows(
        NotSerializableException.class,
        () -> read(serializer, Arrays.copyOf(stored, 10), event),
        "a truncated header");
    assertThrows(
        NotSerializableException.class,
        () -> serializer.fromBinary(stored, "NoSuchEvent"),
        "an unknown manifest");
  }

  @Test
  void withoutAuditKeysNoEventIsWrittenAndTheErrorSaysWhatToSet() {
    ActorTestKit kit =
        ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local"));
    try {
      Serialization serialization = SerializationExtension.get(kit.system());
      ToolCallStarted event = started(AuditChain.GENESIS, "{}");
      Throwable e = assertThrows(Throwable.class, () -> serialization.serialize(event).get());
      assertTrue(e.getMessage().contains("STATEHOUSE_AUDIT_KEY"), e.getMessage());
      AuditKeyException atStart =
          assertThrows(
              AuditKeyException.class, () -> SessionEventSerializer.requireKeys(kit.system()));
      assertTrue(atStart.getMessage().contains("no audit key"), atStart.getMessage());
    } finally {
      kit.shutdownTestKit();
    }
  }

  /**
   * Events Jackson CBOR stored before sealing (captured from the code of that time): the journal
   * still reads them through jackson-cbor (chosen by the serializer id stored with them), they
   * carry no seal, their hashes follow the rule of that time, verification counts them as unkeyed,
   * and the first sealed event links on to them.
   */
  @Test
  void eventsStoredAsCborBeforeSealingStillReadAndVerifyAsUnkeyed() throws Exception {
    ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    try {
      Serialization serialization = SerializationExtension.get(kit.system());
      SessionEvent first = legacy(serialization, LEGACY_USER_MESSAGE_CBOR, "UserMessageAdded");
      SessionEvent second = legacy(serialization, LEGACY_TOOL_CALL_STARTED_CBOR, "ToolCallStarted");
      assertNull(second.meta().seal());
      assertEquals(Integrity.UNKEYED, AuditChain.integrity(second));
      assertEquals(LEGACY_HASH_1, AuditChain.hash(first));
      assertEquals(LEGACY_HASH_2, AuditChain.hash(second));

      // the upgrade: the next event is sealed by the new serializer and links to the old head
      ToolCallStarted next = started(LEGACY_HASH_2, "{}");
      assertInstanceOf(SessionEventSerializer.class, serialization.findSerializerFor(next));
      SessionEvent third =
          (SessionEvent)
              serialization
                  .deserialize(
                      serialization.serialize(next).get(),
                      SessionEventSerializer.IDENTIFIER,
                      "ToolCallStarted")
                  .get();

      ChainVerification chain = new ChainVerification();
      long seq = 1;
      for (SessionEvent e : List.of(first, second, third)) {
        chain.accept(seq++, e.meta().prevHash(), AuditChain.hash(e), AuditChain.integrity(e));
      }
      ChainVerification.Result r = chain.result();
      assertTrue(r.valid(), r.reason());
      assertEquals(2, r.unkeyedEvents());
      assertEquals(AuditChain.hash(third), r.headHash());
    } finally {
      kit.shutdownTestKit();
    }
  }

  private static SessionEvent legacy(Serialization serialization, String base64, String type)
      throws Exception {
    return (SessionEvent)
        serialization
            .deserialize(
                Base64.getDecoder().decode(base64),
                33,
                "io.statehouse.runtime.session.SessionEvent$" + type)
            .get();
  }

  private static final String LEGACY_HASH_1 =
      "df8c43fe17bf9367dd0771c11c53fec919171610f8b0f160173cee77669647b5";
  private static final String LEGACY_HASH_2 =
      "26ab7e26fac22a30c34d91f65adeade010e5e81a99340536c3d0d7e51353ba9c";
  private static final String LEGACY_USER_MESSAGE_CBOR =
      "v2RtZXRhv2JhdHQyMDI2LTExLTIyVDEwOjAwOjAwWmVhY3Rvcmp1c2VyOmFsaWNlaHByZXZIYXNoeEAwMDAwMDAw"
          + "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw/2Z0dXJuSWRm"
          + "dHVybl8xZ2NvbnRlbnRoaGVsbG8gw6luaWRlbXBvdGVuY3lLZXlla2V5LTH/";
  private static final String LEGACY_TOOL_CALL_STARTED_CBOR =
      "v2RtZXRhv2JhdHgYMjAyNi0xMS0yMlQxMDowMDowMS41MDBaZWFjdG9yZ3J1bnRpbWVocHJldkhhc2h4QGRmOGM0M2Zl"
          + "MTdiZjkzNjdkZDA3NzFjMTFjNTNmZWM5MTkxNzE2MTBmOGIwZjE2MDE3M2NlZTc3NjY5NjQ3YjX/ZnR1cm5JZGZ0"
          + "dXJuXzFmY2FsbElkZmNhbGxfMWR0b29sZnNlYXJjaGVpbnB1dL9hcWF4YW6DAftABAAAAAAAAPX/bmlkZW1wb3Rl"
          + "bmN5S2V5ZmlkZW0tMWVyb3VuZAH/";

  /** The stored event with its JSON replaced and its header (and so its MAC) kept. */
  private static byte[] withJson(byte[] stored, String json) {
    byte[] replacement = json.getBytes(UTF8);
    int start = jsonStart(stored);
    byte[] out = Arrays.copyOf(stored, start + replacement.length);
    System.arraycopy(replacement, 0, out, start, replacement.length);
    return out;
  }
}

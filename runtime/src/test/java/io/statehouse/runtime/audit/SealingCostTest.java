package io.statehouse.runtime.audit;

import static io.statehouse.runtime.testing.Specs.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.EventMeta;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionEvent.ModelReplied;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.Test;

/**
 * What sealing costs per event, against what it replaces (Jackson CBOR to store the event plus a
 * canonical rendering to hash it). Printed, not asserted: timings on a shared 2-core machine are
 * noise as assertions. Asserted: both paths read back the event they wrote.
 */
class SealingCostTest {
  private static final int ROUNDS = 20_000;

  private static ModelReplied event(int i) {
    return new ModelReplied(
        new EventMeta(Instant.parse("2026-11-22T10:00:00Z").plusMillis(i), "model", "a".repeat(64)),
        "turn_1",
        1,
        "The refund of order 1234 was approved; ".repeat(20),
        List.of(new ToolUse("call_" + i, "refund", json("{\"order\":1234,\"amount\":\"25.00\"}"))),
        "tool_use",
        new Usage(1200, 80, new BigDecimal("0.0042")));
  }

  @Test
  void measuresSealingAgainstTheCborItReplaces() throws Exception {
    ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    try {
      Serialization serialization = SerializationExtension.get(kit.system());
      Serializer cbor = serialization.serializerByIdentity().apply(33);
      SessionEventSerializer sealed =
          (SessionEventSerializer) serialization.findSerializerFor(event(0));
      String manifest = "io.statehouse.runtime.session.SessionEvent$ModelReplied";

      double before = 0;
      double after = 0;
      double readBefore = 0;
      double readAfter = 0;
      for (int pass = 0; pass < 3; pass++) { // the last pass counts: the JIT has warmed up
        ModelReplied[] plain = new ModelReplied[ROUNDS];
        ModelReplied[] fresh = new ModelReplied[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
          plain[i] = event(i);
          fresh[i] = event(i);
        }
        long t0 = System.nanoTime();
        byte[] lastCbor = null;
        for (ModelReplied e : plain) {
          lastCbor = cbor.toBinary(e);
          AuditChain.hash(e);
        }
        long t1 = System.nanoTime();
        byte[] lastSealed = null;
        for (ModelReplied e : fresh) {
          AuditChain.seal(e);
          lastSealed = sealed.toBinary(e);
        }
        long t2 = System.nanoTime();
        Object readCbor = null;
        for (int i = 0; i < ROUNDS; i++) {
          readCbor = serialization.deserialize(lastCbor, 33, manifest).get();
          AuditChain.hash(readCbor);
        }
        long t3 = System.nanoTime();
        Object readSealed = null;
        for (int i = 0; i < ROUNDS; i++) {
          readSealed = sealed.fromBinary(lastSealed, "ModelReplied");
        }
        long t4 = System.nanoTime();
        before = (t1 - t0) / 1000.0 / ROUNDS;
        after = (t2 - t1) / 1000.0 / ROUNDS;
        readBefore = (t3 - t2) / 1000.0 / ROUNDS;
        readAfter = (t4 - t3) / 1000.0 / ROUNDS;
        assertEquals(event(ROUNDS - 1), readCbor);
        assertEquals(event(ROUNDS - 1), readSealed);
        assertEquals(Integrity.VALID, AuditChain.integrity((SessionEvent) readSealed));
      }
      System.out.printf(
          "audit sealing, µs per event (ModelReplied, ~1 KB): write before (CBOR + hash) %.1f,"
              + " after (seal + MAC) %.1f; read before (CBOR + hash) %.1f, after (parse + hash +"
              + " MAC) %.1f%n",
          before, after, readBefore, readAfter);
    } finally {
      kit.shutdownTestKit();
    }
  }
}

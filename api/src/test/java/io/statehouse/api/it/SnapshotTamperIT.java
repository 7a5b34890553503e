package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.session.SessionId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Snapshots are a shortcut through the journal, so a snapshot someone rewrote in Cassandra must not
 * change what a session does while every event still verifies. Sessions of two turns (events 1 to
 * 9) are written with a snapshot every 3 events (kept: 7 and 9); with the node down, snapshot rows
 * are rewritten as someone with write access but no audit key would; a new node serves them from
 * their journals.
 */
@ExtendWith(CassandraExtension.class)
class SnapshotTamperIT {
  private static final String SNAPSHOTS = "statehouse.session.snapshot-every = 3\n";

  /** Jackson CBOR's serializer id in Pekko: the form snapshots had before they were sealed. */
  private static final int JACKSON_CBOR = 33;

  private static StatehouseNode node;
  private static Api api;
  private static String edited;
  private static String unsealed;
  private static String stale;

  @BeforeAll
  static void writeTamperAndRestart(CassandraTestKeyspaces keyspaces) throws Exception {
    try (StatehouseNode first = StatehouseNode.start(NodeConfig.full(keyspaces, 0, SNAPSHOTS));
        CqlSession cql = JournalProbe.connect(keyspaces)) {
      Api a = new Api("127.0.0.1", first.port());
      a.putAgent(
          ACME_ALICE, "plain", Defs.agent("[]", "[" + Defs.text("Noted.") + "]", true, null));
      edited = twoTurns(a);
      unsealed = twoTurns(a);
      stale = twoTurns(a);
      Snapshots snapshots = new Snapshots(cql, keyspaces);
      for (String id : List.of(edited, unsealed, stale)) {
        // a snapshot follows the write that crosses a multiple of 3: events 6 and 7 (the second
        // message and its model call) are one write. Snapshots are stored after their events: wait
        // for the one at the journal's end
        Eventually.await(
            Duration.ofSeconds(20),
            "snapshots 7 and 9 of " + id,
            () -> snapshots.sequenceNumbers(id).containsAll(List.of(9L, 7L)));
      }
    }
    try (CqlSession cql = JournalProbe.connect(keyspaces)) {
      Snapshots snapshots = new Snapshots(cql, keyspaces);
      // the state's bytes edited, the MAC left as it was
      snapshots.replaceInPayload(edited, 9, "second", "sekond");
      // the same edit, stored the way snapshots were before they carried a MAC
      snapshots.unseal(unsealed, 9, "second", "sekond");
      // an older (genuine) snapshot stored in the newest one's place: the second turn "running"
      snapshots.copy(stale, 7, 9);
    }
    node = StatehouseNode.start(NodeConfig.full(keyspaces, 0, SNAPSHOTS));
    api = new Api("127.0.0.1", node.port());
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  private static String twoTurns(Api a) {
    return a.sessionWithTurns(ACME_ALICE, "plain", "first", "second");
  }

  private static JsonNode session(String id) {
    Api.Response r = api.get("/v1/sessions/" + id, ACME_ALICE);
    assertEquals(200, r.status(), r.raw());
    return r.body();
  }

  private static List<String> userMessages(JsonNode session) {
    List<String> out = new ArrayList<>();
    for (JsonNode m : session.path("messages")) {
      if ("user".equals(m.path("role").asText())) {
        out.add(m.path("content").asText());
      }
    }
    return out;
  }

  private static JsonNode verify(String id) {
    Api.Response r = api.get("/v1/sessions/" + id + "/audit/verify", ACME_ALICE);
    assertEquals(200, r.status(), r.raw());
    return r.body();
  }

  /** The session shows its journal, takes a third turn, and its chain still verifies. */
  private static void servedFromItsJournal(String id) {
    JsonNode s = session(id);
    assertEquals("idle", s.path("status").asText(), s.toString());
    assertEquals(List.of("first", "second"), userMessages(s), s.toString());
    assertEquals(2, s.path("turns").asLong(), s.toString());
    JsonNode before = verify(id);
    assertTrue(before.path("valid").asBoolean(), before.toString());
    assertEquals(9, before.path("events").asLong(), "nothing was written on recovery");

    Api.Response third =
        api.post("/v1/sessions/" + id + "/messages", ACME_ALICE, "{\"content\":\"third\"}");
    assertEquals("completed", third.text("status"), third.raw());
    JsonNode after = verify(id);
    assertTrue(after.path("valid").asBoolean(), after.toString());
    assertEquals(13, after.path("events").asLong(), after.toString());
  }

  @Test
  void aSnapshotEditedWithoutTheKeyIsNotBelievedAndTheSessionRecoversFromItsJournal() {
    servedFromItsJournal(edited);
  }

  @Test
  void aSnapshotStrippedOfItsSealIsNotBelievedEither() {
    servedFromItsJournal(unsealed);
  }

  @Test
  void anOlderSnapshotInTheNewestOnesPlaceDoesNotRunTheSecondTurnAgain() {
    servedFromItsJournal(stale);
    JsonNode s = session(stale);
    List<String> replies = new ArrayList<>();
    for (JsonNode m : s.path("messages")) {
      if ("assistant".equals(m.path("role").asText())) {
        replies.add(m.path("content").asText());
      }
    }
    assertEquals(List.of("Noted.", "Noted.", "Noted."), replies, s.toString());
  }

  /** The snapshot table in Cassandra, edited as someone with write access but no key would. */
  private record Snapshots(CqlSession cql, String table) {
    Snapshots(CqlSession cql, CassandraTestKeyspaces keyspaces) {
      this(cql, keyspaces.snapshotKeyspace() + ".snapshots");
    }

    private static String pid(String session) {
      return new SessionId("acme", session).persistenceId().id();
    }

    List<Long> sequenceNumbers(String session) {
      return cql
          .execute("SELECT sequence_nr FROM " + table + " WHERE persistence_id = ?", pid(session))
          .all()
          .stream()
          .map(r -> r.getLong("sequence_nr"))
          .toList();
    }

    private Row row(String session, long seq) {
      Row row =
          cql.execute(
                  "SELECT ser_id, ser_manifest, snapshot_data FROM "
                      + table
                      + " WHERE persistence_id = ? AND sequence_nr = ?",
                  pid(session),
                  seq)
              .one();
      assertTrue(row != null, "snapshot " + seq + " of " + session);
      return row;
    }

    private static byte[] data(Row row) {
      ByteBuffer b = row.getByteBuffer("snapshot_data");
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    }

    private void write(String session, long seq, int serId, String manifest, byte[] data) {
      cql.execute(
          "UPDATE "
              + table
              + " SET ser_id = ?, ser_manifest = ?, snapshot_data = ?"
              + " WHERE persistence_id = ? AND sequence_nr = ?",
          serId,
          manifest,
          ByteBuffer.wrap(data),
          pid(session),
          seq);
    }

    /** Replaces same-length text in the stored bytes (Jackson CBOR keeps strings as UTF-8). */
    private static byte[] replaced(byte[] data, int from, String text, String by) {
      String s = new String(data, StandardCharsets.ISO_8859_1);
      int at = s.indexOf(text, from);
      assertTrue(at >= 0, "the snapshot holds " + text);
      assertEquals(text.length(), by.length());
      byte[] out = data.clone();
      System.arraycopy(by.getBytes(StandardCharsets.ISO_8859_1), 0, out, at, by.length());
      return out;
    }

    /** Where the state starts: format byte, key id length, key id, 32 bytes of MAC. */
    private static int payloadStart(byte[] sealed) {
      return 2 + sealed[1] + 32;
    }

    void replaceInPayload(String session, long seq, String text, String by) {
      Row row = row(session, seq);
      byte[] data = data(row);
      write(
          session,
          seq,
          row.getInt("ser_id"),
          row.getString("ser_manifest"),
          replaced(data, payloadStart(data), text, by));
    }

    void unseal(String session, long seq, String text, String by) {
      byte[] data = data(row(session, seq));
      byte[] state = Arrays.copyOfRange(data, payloadStart(data), data.length);
      write(
          session,
          seq,
          JACKSON_CBOR,
          "io.statehouse.runtime.session.SessionState",
          replaced(state, 0, text, by));
    }

    void copy(String session, long fromSeq, long toSeq) {
      Row from = row(session, fromSeq);
      row(session, toSeq);
      write(session, toSeq, from.getInt("ser_id"), from.getString("ser_manifest"), data(from));
    }
  }
}

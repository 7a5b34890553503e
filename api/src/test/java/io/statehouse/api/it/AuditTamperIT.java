package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static io.statehouse.api.it.ItKeys.ACME_BOB;
import static io.statehouse.api.it.ItKeys.GLOBEX_CAROL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.statehouse.api.StatehouseNode;
import io.statehouse.api.audit.ExportFormat;
import io.statehouse.api.audit.VerifyAuditExport;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.session.SessionId;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Someone with write access to Cassandra but not the audit key edits the journal while the node is
 * down: a character of one event, an event rewritten with every later plain hash recomputed, an
 * event deleted, an event replaced by bytes that are no event. Verification names the first bad
 * sequence number and why; the sessions affected are broken; an untouched session's export verifies
 * offline with only the node's JWKS, and a tampered one's is signed as invalid.
 */
@ExtendWith(CassandraExtension.class)
class AuditTamperIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static StatehouseNode node;
  private static Api api;
  private static String edited;
  private static String rewritten;
  private static String deleted;
  private static String garbled;
  private static String untouched;
  private static String redacting;

  /** Sessions of two turns: 1 SessionCreated, 2-5 the first turn ("first"), 6-9 the second. */
  @BeforeAll
  static void writeTamperAndRestart(CassandraTestKeyspaces keyspaces) throws Exception {
    try (StatehouseNode first = StatehouseNode.start(NodeConfig.full(keyspaces, 0, ""))) {
      Api a = new Api("127.0.0.1", first.port());
      a.putAgent(
          ACME_ALICE, "plain", Defs.agent("[]", "[" + Defs.text("Noted.") + "]", true, null));
      edited = twoTurns(a);
      rewritten = twoTurns(a);
      deleted = twoTurns(a);
      garbled = twoTurns(a);
      untouched = twoTurns(a);
      // the same agent, redacting e-mails in the audit export only
      String plain = Defs.agent("[]", "[" + Defs.text("Noted.") + "]", true, null);
      a.putAgent(
          ACME_ALICE,
          "discreet",
          plain.substring(0, plain.length() - 1)
              + ",\"guardrails\":{\"redact\":[\"email\"],\"redactIn\":[\"export\"]}}");
      redacting = a.openSession(ACME_ALICE, "discreet");
      Api.Response r =
          a.post(
              "/v1/sessions/" + redacting + "/messages",
              ACME_ALICE,
              "{\"content\":\"write to jane.doe@example.com\"}");
      assertEquals("completed", r.text("status"), r.raw());
    }
    try (Journal journal = new Journal(keyspaces)) {
      journal.replaceInJson(edited, 2, "\"first\"", "\"forst\"");
      journal.rewriteWithPlainHashes(rewritten, 2, "\"first\"", "\"I never said that\"");
      journal.delete(deleted, 4);
      journal.replaceJson(garbled, 3, "this is not an event");
    }
    node = StatehouseNode.start(NodeConfig.full(keyspaces, 0, ""));
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

  private static JsonNode verify(String id) {
    Api.Response r = api.get("/v1/sessions/" + id + "/audit/verify", ACME_ALICE);
    assertEquals(200, r.status(), r.raw());
    return r.body();
  }

  @Test
  void aCharacterChangedInAStoredEventIsFoundByItsMac() {
    JsonNode v = verify(edited);
    assertFalse(v.path("valid").asBoolean(), v.toString());
    assertEquals(2, v.path("firstInvalidSeq").asLong(), v.toString());
    assertEquals("bad_mac", v.path("problem").asText(), v.toString());
    assertTrue(v.path("firstMissingSeq").isMissingNode(), v.toString());
    assertEquals(9, v.path("events").asLong());
  }

  @Test
  void aRewrittenJournalWithEveryPlainHashRecomputedIsStillCaughtAndTheSessionIsBroken() {
    JsonNode v = verify(rewritten);
    assertFalse(v.path("valid").asBoolean(), v.toString());
    assertEquals(2, v.path("firstInvalidSeq").asLong(), v.toString());
    assertEquals("bad_mac", v.path("problem").asText(), v.toString());

    Api.Response session = api.get("/v1/sessions/" + rewritten, ACME_ALICE);
    assertEquals("broken", session.text("status"), session.raw());
    assertFalse(session.raw().contains("I never said that"), "nothing of the forged event");
    Api.Response send =
        api.post("/v1/sessions/" + rewritten + "/messages", ACME_ALICE, "{\"content\":\"hi\"}");
    assertEquals(409, send.status(), send.raw());
  }

  @Test
  void aDeletedEventIsNamedAsMissingAndTheNextAsNotLinking() {
    JsonNode v = verify(deleted);
    assertFalse(v.path("valid").asBoolean());
    assertEquals(4, v.path("firstMissingSeq").asLong(), v.toString());
    assertEquals(5, v.path("firstInvalidSeq").asLong(), v.toString());
    assertEquals("broken_link", v.path("problem").asText(), v.toString());
  }

  @Test
  void anEventWhoseBytesAreNoEventIsNamedUnreadable() {
    JsonNode v = verify(garbled);
    assertFalse(v.path("valid").asBoolean(), v.toString());
    assertEquals(3, v.path("firstInvalidSeq").asLong(), v.toString());
    assertEquals("unreadable", v.path("problem").asText(), v.toString());
  }

  @Test
  void anUntouchedSessionVerifiesAndItsExportVerifiesOfflineWithTheNodesJwks() throws Exception {
    JsonNode v = verify(untouched);
    assertTrue(v.path("valid").asBoolean(), v.toString());
    assertEquals(0, v.path("unkeyedEvents").asLong());

    Api.Response export = api.get("/v1/sessions/" + untouched + "/audit/export", ACME_ALICE);
    assertEquals(200, export.status(), export.raw());
    assertTrue(
        export.headers().firstValue("Content-Type").orElse("").startsWith(ExportFormat.MEDIA_TYPE),
        export.headers().toString());
    List<String> lines = export.raw().lines().toList();
    assertEquals(11, lines.size(), "header, 9 events, head");

    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    VerifyAuditExport.Report report =
        VerifyAuditExport.verify(
            new BufferedReader(new StringReader(export.raw())),
            VerifyAuditExport.loadKeys(
                "http://127.0.0.1:" + node.port() + "/.well-known/jwks.json"),
            new PrintStream(printed, true, StandardCharsets.UTF_8));
    assertTrue(report.valid(), String.join("\n", report.problems()));
    assertEquals(v.path("headHash").asText(), report.headHash());
    assertTrue(printed.toString(StandardCharsets.UTF_8).contains("user:alice"));
  }

  @Test
  void theAgentsExportGuardrailsRedactItsExportWhichStillVerifiesOffline() throws Exception {
    Api.Response export = api.get("/v1/sessions/" + redacting + "/audit/export", ACME_ALICE);
    assertEquals(200, export.status(), export.raw());
    assertFalse(export.raw().contains("jane.doe@example.com"), export.raw());
    assertTrue(export.raw().contains("[REDACTED:email]"), export.raw());

    VerifyAuditExport.Report report =
        VerifyAuditExport.verify(
            new BufferedReader(new StringReader(export.raw())),
            VerifyAuditExport.loadKeys(
                "http://127.0.0.1:" + node.port() + "/.well-known/jwks.json"),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertTrue(report.valid(), String.join("\n", report.problems()));
    assertTrue(report.redactedEvents() >= 1, "the user's message at least");
    // the hashes are the stored events': the head is the one verify computes from the journal
    assertEquals(verify(redacting).path("headHash").asText(), report.headHash());
    // export only: the journal, and so the session's own trail, keeps the value
    Api.Response events = api.get("/v1/sessions/" + redacting + "/events", ACME_ALICE);
    assertTrue(events.raw().contains("jane.doe@example.com"), events.raw());
  }

  @Test
  void aTamperedSessionsExportIsSignedAsInvalidAndTheCommandSaysSo() throws Exception {
    Api.Response export = api.get("/v1/sessions/" + rewritten + "/audit/export", ACME_ALICE);
    assertEquals(200, export.status(), export.raw());
    List<String> lines = export.raw().lines().toList();
    JsonNode head = JSON.readTree(lines.get(lines.size() - 1));
    assertFalse(head.path("valid").asBoolean(), head.toString());
    assertEquals(2, head.path("firstInvalidSeq").asLong());

    VerifyAuditExport.Report report =
        VerifyAuditExport.verify(
            new BufferedReader(new StringReader(export.raw())),
            VerifyAuditExport.loadKeys(
                "http://127.0.0.1:" + node.port() + "/.well-known/jwks.json"),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertFalse(report.valid());
    assertTrue(
        String.join("\n", report.problems()).contains("bad_mac at event 2"),
        String.join("\n", report.problems()));
  }

  @Test
  void anotherTenantCannotVerifyOrExportAndAnotherUserNeedsTheAuditorRole() {
    for (String path : new String[] {"/audit/verify", "/audit/export"}) {
      Api.Response other = api.get("/v1/sessions/" + untouched + path, GLOBEX_CAROL);
      assertEquals(404, other.status(), other.raw());
      Api.Response approver = api.get("/v1/sessions/" + untouched + path, ACME_BOB);
      assertEquals(403, approver.status(), approver.raw());
    }
  }

  /** The journal in Cassandra, edited as someone with write access but no key would. */
  private static final class Journal implements AutoCloseable {
    private final CqlSession cql;
    private final String table;

    Journal(CassandraTestKeyspaces keyspaces) {
      cql = JournalProbe.connect(keyspaces);
      table = keyspaces.journalKeyspace() + ".messages";
    }

    private static String pid(String session) {
      return new SessionId("acme", session).persistenceId().id();
    }

    private List<Row> rows(String session, long from) {
      return cql.execute(
              "SELECT sequence_nr, timestamp, ser_manifest, event FROM "
                  + table
                  + " WHERE persistence_id = ? AND partition_nr = 0 AND sequence_nr >= ?",
              pid(session),
              from)
          .all();
    }

    /** Where the JSON starts: format byte, key id length, key id, 32 bytes of MAC. */
    private static int jsonStart(byte[] stored) {
      return 2 + stored[1] + 32;
    }

    private static byte[] bytes(Row row) {
      ByteBuffer b = row.getByteBuffer("event");
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    }

    private void write(String session, Row row, byte[] header, byte[] json) {
      byte[] event = Arrays.copyOf(header, header.length + json.length);
      System.arraycopy(json, 0, event, header.length, json.length);
      cql.execute(
          "UPDATE "
              + table
              + " SET event = ? WHERE persistence_id = ? AND partition_nr = 0"
              + " AND sequence_nr = ? AND timestamp = ?",
          ByteBuffer.wrap(event),
          pid(session),
          row.getLong("sequence_nr"),
          row.get("timestamp", UUID.class));
    }

    void replaceJson(String session, long seq, String json) {
      Row row = rows(session, seq).get(0);
      byte[] stored = bytes(row);
      write(
          session,
          row,
          Arrays.copyOf(stored, jsonStart(stored)),
          json.getBytes(StandardCharsets.UTF_8));
    }

    void replaceInJson(String session, long seq, String from, String to) {
      Row row = rows(session, seq).get(0);
      byte[] stored = bytes(row);
      String json =
          new String(
              stored, jsonStart(stored), stored.length - jsonStart(stored), StandardCharsets.UTF_8);
      assertTrue(json.contains(from), json);
      replaceJson(session, seq, json.replace(from, to));
    }

    /**
     * Rewrites event {@code seq}, then relinks every later event to the new hashes (their {@code
     * prevHash} recomputed by the public formula), keeping each header and so each old MAC.
     */
    void rewriteWithPlainHashes(String session, long seq, String from, String to) throws Exception {
      String prevHash = null;
      for (Row row : rows(session, seq)) {
        byte[] stored = bytes(row);
        ObjectNode event =
            (ObjectNode)
                JSON.readTree(
                    new String(
                        stored,
                        jsonStart(stored),
                        stored.length - jsonStart(stored),
                        StandardCharsets.UTF_8));
        if (prevHash == null) {
          String changed = event.toString().replace(from, to);
          assertFalse(changed.equals(event.toString()), "the text to rewrite is there");
          event = (ObjectNode) JSON.readTree(changed);
        } else {
          ((ObjectNode) event.get("meta")).put("prevHash", prevHash);
        }
        String json = JSON.writeValueAsString(event);
        prevHash = ExportFormat.hash(row.getString("ser_manifest"), json);
        write(
            session,
            row,
            Arrays.copyOf(stored, jsonStart(stored)),
            json.getBytes(StandardCharsets.UTF_8));
      }
    }

    void delete(String session, long seq) {
      cql.execute(
          "DELETE FROM "
              + table
              + " WHERE persistence_id = ? AND partition_nr = 0 AND sequence_nr = ?",
          pid(session),
          seq);
    }

    @Override
    public void close() {
      cql.close();
    }
  }
}

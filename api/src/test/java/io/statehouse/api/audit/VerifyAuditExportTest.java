package io.statehouse.api.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.audit.AuditChain;
import io.statehouse.runtime.audit.HeadSigner;
import io.statehouse.runtime.identity.NodeKeys;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.EventMeta;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionEvent.ModelCallStarted;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionEvent.ToolCallStarted;
import io.statehouse.runtime.session.SessionEvent.ToolCallSucceeded;
import io.statehouse.runtime.session.SessionEvent.TurnCompleted;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.testing.Specs;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline verifier against exports written by the node's own export code: a sound one verifies;
 * one changed byte, a dropped, reordered or added line, a forged head are each caught.
 */
class VerifyAuditExportTest {
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  private static final SessionId SESSION = new SessionId("acme", "ses_audit");
  private static final Principal ALICE = new Principal("acme", "alice", List.of("developer"));

  private final NodeKeys node = NodeKeys.generate();

  @TempDir Path dir;

  /** A session's journal: opened, one turn that calls a tool, as the session writes it. */
  private static List<SessionEvent> journal() {
    List<Function<EventMeta, SessionEvent>> steps =
        List.of(
            m ->
                new SessionCreated(
                    m,
                    SESSION.id(),
                    ALICE,
                    Specs.agent(List.of("refund"), 5, false),
                    List.of(Specs.tool("refund", false)),
                    Map.of()),
            m -> new ModelCallStarted(m, "turn_1", 1),
            m ->
                new ToolCallStarted(
                    m, "turn_1", "call_1", "refund", Specs.json("{\"order\":42}"), "idem", 1),
            m -> new ToolCallSucceeded(m, "turn_1", "call_1", "{\"refunded\":true}", 1, 12),
            m -> new TurnCompleted(m, "turn_1", "Refunded.", Usage.ZERO));
    String[] actors = {"user:alice", "runtime", "runtime", "tool:refund", "model"};
    List<SessionEvent> events = new ArrayList<>();
    String prev = AuditChain.GENESIS;
    for (int i = 0; i < steps.size(); i++) {
      SessionEvent e = steps.get(i).apply(new EventMeta(T0.plusSeconds(i), actors[i], prev));
      prev = AuditChain.seal(e).hash();
      events.add(e);
    }
    return events;
  }

  private List<String> export(List<SessionEvent> events, HeadSigner signer) {
    AuditExport export = new AuditExport(SESSION, T0.plusSeconds(60));
    List<String> lines = new ArrayList<>();
    lines.add(export.header((SessionCreated) events.get(0)));
    long seq = 1;
    for (SessionEvent e : events) {
      lines.add(export.event(seq++, e));
    }
    lines.add(export.head(signer));
    return lines;
  }

  private List<String> export() {
    return export(journal(), node::signDetached);
  }

  private VerifyAuditExport.Report verify(List<String> lines) throws Exception {
    return VerifyAuditExport.verify(
        new BufferedReader(new StringReader(String.join("\n", lines) + "\n")),
        node.publicJwkSet(),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }

  private static String problems(VerifyAuditExport.Report r) {
    return String.join(" | ", r.problems());
  }

  @Test
  void anExportOfASoundJournalVerifiesAndNamesWhoDidWhat() throws Exception {
    Path file = dir.resolve("export.jsonl");
    Files.write(file, export());
    Path jwks = dir.resolve("jwks.json");
    Files.writeString(jwks, node.publicJwks());
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    int status =
        VerifyAuditExport.run(
            new String[] {file.toString(), jwks.toString()},
            new PrintStream(printed, true, StandardCharsets.UTF_8));

    String out = printed.toString(StandardCharsets.UTF_8);
    assertEquals(VerifyAuditExport.VALID, status, out);
    assertTrue(out.contains("VALID: session ses_audit of tenant acme, 5 events"), out);
    assertTrue(out.contains("user:alice") && out.contains("SessionCreated"), out);
    assertTrue(out.contains("tool:refund") && out.contains("tool=refund"), out);
  }

  @Test
  void oneChangedByteInAPayloadIsCaught() throws Exception {
    List<String> lines = new ArrayList<>(export());
    lines.set(3, lines.get(3).replace("\\\"order\\\":42", "\\\"order\\\":43"));

    VerifyAuditExport.Report r = verify(lines);

    assertFalse(r.valid());
    assertTrue(problems(r).contains("event 3's payload does not hash"), problems(r));
  }

  @Test
  void aDroppedEventLineIsCaughtInTheMiddleAndAtTheEnd() throws Exception {
    List<String> middle = new ArrayList<>(export());
    middle.remove(2);
    VerifyAuditExport.Report r = verify(middle);
    assertFalse(r.valid());
    assertTrue(problems(r).contains("event 3 where event 2 was due"), problems(r));

    // the last event gone: every link before it holds; only the signed head can tell
    List<String> tail = new ArrayList<>(export());
    tail.remove(5);
    VerifyAuditExport.Report t = verify(tail);
    assertFalse(t.valid());
    assertTrue(
        problems(t).contains("the signed head says events '5', the export has '4'"), problems(t));
  }

  @Test
  void aReorderedLineIsCaught() throws Exception {
    List<String> lines = new ArrayList<>(export());
    String third = lines.remove(3);
    lines.add(4, third);

    VerifyAuditExport.Report r = verify(lines);

    assertFalse(r.valid());
    assertTrue(problems(r).contains("does not link"), problems(r));
  }

  @Test
  void aForgedHeadSignatureIsCaught() throws Exception {
    // a rewritten journal, re-chained and re-signed by a key that merely claims the node's kid
    List<SessionEvent> events = journal();
    NodeKeys impostor = NodeKeys.generate();
    List<String> forged = new ArrayList<>(export(events, impostor::signDetached));
    String kid = node.signingKeyId();
    String signature = json(forged.get(6)).path("signature").asText();
    String header =
        new String(
            java.util.Base64.getUrlDecoder().decode(signature.substring(0, signature.indexOf('.'))),
            StandardCharsets.UTF_8);
    String claimed =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                header.replace(impostor.signingKeyId(), kid).getBytes(StandardCharsets.UTF_8));
    ObjectNode head = json(forged.get(6));
    head.put("signature", claimed + signature.substring(signature.indexOf('.')));
    forged.set(6, head.toString());

    VerifyAuditExport.Report r = verify(forged);

    assertFalse(r.valid());
    assertTrue(problems(r).contains("does not verify with key"), problems(r));
  }

  @Test
  void aHeadStatementEditedAfterSigningIsCaught() throws Exception {
    List<String> lines = new ArrayList<>(export());
    ObjectNode head = json(lines.get(6));
    head.put("statement", head.path("statement").asText().replace("\"events\":5", "\"events\":4"));
    lines.set(6, head.toString());

    assertFalse(verify(lines).valid());
  }

  @Test
  void aLineAddedAfterTheHeadIsCaught() throws Exception {
    List<String> lines = new ArrayList<>(export());
    lines.add(lines.get(5));
    VerifyAuditExport.Report r = verify(lines);
    assertFalse(r.valid());
    assertTrue(problems(r).contains("follows the signed head"), problems(r));
  }

  @Test
  void anExportCutShortHasNoHeadAndIsInvalid() throws Exception {
    List<String> lines = new ArrayList<>(export());
    lines.remove(6);
    VerifyAuditExport.Report r = verify(lines);
    assertFalse(r.valid());
    assertTrue(problems(r).contains("without its signed head"), problems(r));
  }

  @Test
  void anExportTheNodeSignedAsInvalidIsInvalidAndSaysWhy() throws Exception {
    // event 3's link is broken in the journal itself: the node exports it as is and says so
    List<SessionEvent> events = journal();
    SessionEvent third = events.get(2);
    SessionEvent unlinked =
        new ToolCallStarted(
            new EventMeta(third.meta().at(), "runtime", "f".repeat(64)),
            "turn_1",
            "call_1",
            "refund",
            Specs.json("{\"order\":42}"),
            "idem",
            1);
    AuditChain.seal(unlinked);
    events.set(2, unlinked);
    VerifyAuditExport.Report r = verify(export(events, node::signDetached));
    assertFalse(r.valid());
    assertTrue(problems(r).contains("the node found this chain invalid"), problems(r));
    assertTrue(problems(r).contains("broken_link at event 3"), problems(r));
  }

  @Test
  void badArgumentsAndUnreadableInputsAreUsageErrors() throws Exception {
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    Path jwks = dir.resolve("jwks.json");
    Files.writeString(jwks, node.publicJwks());
    Path notJwks = dir.resolve("not-jwks.json");
    Files.writeString(notJwks, "{\"keys\": 3}");
    assertEquals(VerifyAuditExport.USAGE, VerifyAuditExport.run(new String[] {"one"}, quiet));
    assertEquals(
        VerifyAuditExport.USAGE,
        VerifyAuditExport.run(
            new String[] {dir.resolve("missing.jsonl").toString(), jwks.toString()}, quiet));
    assertEquals(
        VerifyAuditExport.USAGE,
        VerifyAuditExport.run(new String[] {jwks.toString(), notJwks.toString()}, quiet));
  }

  private static ObjectNode json(String line) throws Exception {
    return (ObjectNode) Json.MAPPER.readTree(line);
  }
}

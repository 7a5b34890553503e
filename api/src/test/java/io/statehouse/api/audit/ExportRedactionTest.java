package io.statehouse.api.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.audit.AuditChain;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.identity.NodeKeys;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.policy.guardrail.GuardrailSettings;
import io.statehouse.runtime.policy.guardrail.GuardrailSpec;
import io.statehouse.runtime.policy.guardrail.Guardrails;
import io.statehouse.runtime.policy.guardrail.RedactRule;
import io.statehouse.runtime.policy.guardrail.Stage;
import io.statehouse.runtime.session.EventMeta;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionEvent.ApprovalGranted;
import io.statehouse.runtime.session.SessionEvent.ModelCallStarted;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionEvent.ToolCallStarted;
import io.statehouse.runtime.session.SessionEvent.ToolCallSucceeded;
import io.statehouse.runtime.session.SessionEvent.TurnCompleted;
import io.statehouse.runtime.session.SessionEvent.UserMessageAdded;
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
 * The export stage of guardrails: a session whose agent redacts e-mails at {@code export} is
 * exported without them, and the offline verifier (what deploy/verify-audit.sh runs) still finds it
 * valid, while every way of using a redacted line to slip a change past it is caught.
 */
class ExportRedactionTest {
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  private static final SessionId SESSION = new SessionId("acme", "ses_redact");
  private static final Principal ALICE = new Principal("acme", "alice", List.of("developer"));
  private static final String EMAIL = "jane.doe@example.com";
  private static final GuardrailSettings SETTINGS =
      GuardrailSettings.fromConfig(ConfigFactory.load());
  private static final GuardrailSpec EXPORT_EMAILS =
      new GuardrailSpec(List.of(RedactRule.builtIn("email")), List.of(Stage.EXPORT), null);

  private final NodeKeys node = NodeKeys.generate();

  @TempDir Path dir;

  private static AgentSpec agent(GuardrailSpec guardrails) {
    return Specs.agent(List.of("refund"), 5, false).withGovernance(List.of(), guardrails);
  }

  /**
   * A turn that carries a customer's e-mail in the user's message, the tool's input and result and
   * the model's answer; events 3 and 5 hold none. Returns the events, sealed as the journal stores
   * them.
   */
  private static List<SessionEvent> journal(GuardrailSpec guardrails, String approver) {
    List<Function<EventMeta, SessionEvent>> steps =
        List.of(
            m ->
                new SessionCreated(
                    m,
                    SESSION.id(),
                    ALICE,
                    agent(guardrails),
                    List.of(Specs.tool("refund", false)),
                    Map.of()),
            m ->
                new UserMessageAdded(
                    m,
                    "turn_1",
                    "Refund order 42, the receipt goes to " + EMAIL,
                    null,
                    List.of("developer")),
            m -> new ModelCallStarted(m, "turn_1", 1),
            m ->
                new ToolCallStarted(
                    m,
                    "turn_1",
                    "call_1",
                    "refund",
                    Specs.json("{\"order\":42,\"amount\":19.90,\"notify\":\"" + EMAIL + "\"}"),
                    "idem",
                    1),
            m -> new ApprovalGranted(m, "turn_1", "call_1", "apr_1", approver, "approver", null),
            m ->
                new ToolCallSucceeded(
                    m,
                    "turn_1",
                    "call_1",
                    "{\"refunded\":true,\"sentTo\":\"" + EMAIL + "\"}",
                    1,
                    12),
            m -> new TurnCompleted(m, "turn_1", "Refunded; receipt sent to " + EMAIL, Usage.ZERO));
    String[] actors = {"user:alice", "user:alice", "runtime", "runtime", approver, "tool:refund"};
    List<SessionEvent> events = new ArrayList<>();
    String prev = AuditChain.GENESIS;
    for (int i = 0; i < steps.size(); i++) {
      String actor = i < actors.length ? actors[i] : "model";
      SessionEvent e = steps.get(i).apply(new EventMeta(T0.plusSeconds(i), actor, prev));
      prev = AuditChain.seal(e).hash();
      events.add(e);
    }
    return events;
  }

  private static List<SessionEvent> journal() {
    return journal(EXPORT_EMAILS, "bob");
  }

  /** The export as the route writes it: redaction by the agent pinned in the first event. */
  private List<String> export(List<SessionEvent> events, GuardrailSettings settings) {
    SessionCreated opening = (SessionCreated) events.get(0);
    AuditExport export =
        new AuditExport(
            SESSION,
            T0.plusSeconds(60),
            Guardrails.compile(opening.agent().guardrails(), settings));
    List<String> lines = new ArrayList<>();
    lines.add(export.header(opening));
    long seq = 1;
    for (SessionEvent e : events) {
      lines.add(export.event(seq++, e));
    }
    lines.add(export.head(node::signDetached));
    return lines;
  }

  private List<String> export() {
    return export(journal(), SETTINGS);
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

  private static ObjectNode json(String line) throws Exception {
    return (ObjectNode) Json.MAPPER.readTree(line);
  }

  @Test
  void anExportRedactingEmailsHasNoRawEmailAndTheOfflineCommandFindsItValid() throws Exception {
    List<SessionEvent> events = journal();
    List<String> lines = export(events, SETTINGS);
    Path file = dir.resolve("export.jsonl");
    Files.write(file, lines);
    Path jwks = dir.resolve("jwks.json");
    Files.writeString(jwks, node.publicJwks());
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    int status =
        VerifyAuditExport.run(
            new String[] {file.toString(), jwks.toString()},
            new PrintStream(printed, true, StandardCharsets.UTF_8));

    String all = String.join("\n", lines);
    assertFalse(all.contains(EMAIL), all);
    assertFalse(all.contains("example.com"), "no part of the address: " + all);
    assertTrue(all.contains("[REDACTED:email]"), all);
    String out = printed.toString(StandardCharsets.UTF_8);
    assertEquals(VerifyAuditExport.VALID, status, out);
    assertTrue(
        out.contains("7 events (4 redacted: their payloads are covered by the node's signature"),
        out);
    // the hashes are the stored ones: the head is the journal's head, not a hash of the redaction
    String journalHead = AuditChain.hash(events.get(events.size() - 1));
    assertTrue(out.contains("head " + journalHead), out);
    assertTrue(out.contains("decidedBy=bob role=approver"), out);
  }

  @Test
  void onlyTheEventsTheRulesChangeAreMarkedRedactedAndTheOthersAreTheStoredBytes()
      throws Exception {
    List<SessionEvent> events = journal();
    List<String> lines = export(events, SETTINGS);

    for (int seq = 1; seq <= events.size(); seq++) {
      JsonNode line = json(lines.get(seq));
      SessionEvent stored = events.get(seq - 1);
      // the stored hash either way: the next event's link is to it
      assertEquals(AuditChain.hash(stored), line.path("hash").asText());
      boolean redacted = seq == 2 || seq == 4 || seq == 6 || seq == 7;
      assertEquals(redacted, line.path("redacted").asBoolean(false), line.toString());
      if (!redacted) {
        assertEquals(stored.meta().seal().json(), line.path("payload").asText());
      }
    }
    String toolPayload = json(lines.get(4)).path("payload").asText();
    JsonNode tool = Json.MAPPER.readTree(toolPayload);
    assertEquals("[REDACTED:email]", tool.path("input").path("notify").asText(), toolPayload);
    // what is not personal data reads as stored, numbers with their digits
    String stored = events.get(3).meta().seal().json();
    assertTrue(stored.contains("\"amount\":19.9,") && toolPayload.contains("\"amount\":19.9,"));
    assertEquals(42, tool.path("input").path("order").asInt());
    assertEquals("user:alice", json(lines.get(2)).path("actor").asText());
  }

  @Test
  void whoApprovedIsNamedEvenWhenTheirSubjectIsAnEmailAddress() throws Exception {
    // the trail exists to name who acted: meta, owner, decidedBy and role are not redacted
    List<String> lines = export(journal(EXPORT_EMAILS, "bob@acme.example"), SETTINGS);

    JsonNode granted = Json.MAPPER.readTree(json(lines.get(5)).path("payload").asText());
    assertEquals("bob@acme.example", granted.path("decidedBy").asText());
    assertEquals("bob@acme.example", granted.path("meta").path("actor").asText());
    assertTrue(verify(lines).valid());
  }

  @Test
  void withoutExportRulesNothingIsRedactedAndTheStatementCountsNone() throws Exception {
    // e-mails redacted for the model only: the export shows what the journal holds
    GuardrailSpec modelOnly =
        new GuardrailSpec(List.of(RedactRule.builtIn("email")), List.of(Stage.MODEL), null);
    List<String> lines = export(journal(modelOnly, "bob"), SETTINGS);

    assertTrue(String.join("\n", lines).contains(EMAIL));
    VerifyAuditExport.Report r = verify(lines);
    assertTrue(r.valid(), problems(r));
    assertEquals(0, r.redactedEvents());
    assertTrue(
        json(lines.get(lines.size() - 1))
            .path("statement")
            .asText()
            .contains("\"redactedEvents\":0"));
  }

  @Test
  void aRedactedLinesHashChangedIsCaughtByTheNextLinkAndTheSignedHead() throws Exception {
    List<String> lines = new ArrayList<>(export());
    ObjectNode redacted = json(lines.get(2));
    redacted.put("hash", "ab".repeat(32));
    lines.set(2, redacted.toString());

    VerifyAuditExport.Report r = verify(lines);

    assertFalse(r.valid());
    assertTrue(problems(r).contains("event 3 does not link"), problems(r));
    assertTrue(problems(r).contains("redactedHash"), problems(r));
  }

  @Test
  void theLastEventRedactedWithAnotherHashIsCaughtByTheSignedHeadHash() throws Exception {
    // nothing links to the last event: only the signed statement binds its hash
    List<String> lines = new ArrayList<>(export());
    ObjectNode last = json(lines.get(7));
    assertTrue(last.path("redacted").asBoolean());
    last.put("hash", "cd".repeat(32));
    lines.set(7, last.toString());

    VerifyAuditExport.Report r = verify(lines);

    assertFalse(r.valid());
    assertTrue(problems(r).contains("the signed head says headHash"), problems(r));
  }

  @Test
  void redactedLinesSwappedAreCaught() throws Exception {
    List<String> lines = new ArrayList<>(export());
    String fourth = lines.get(4);
    lines.set(4, lines.get(2));
    lines.set(2, fourth);

    VerifyAuditExport.Report r = verify(lines);

    assertFalse(r.valid());
    assertTrue(problems(r).contains("was due"), problems(r));
    assertTrue(problems(r).contains("does not link"), problems(r));
  }

  @Test
  void aRedactedPayloadChangedAfterExportIsCaughtByTheSignature() throws Exception {
    // the stored hash and every link are left as they were: only the signed commitment to the
    // redacted lines can tell, which a verifier of hashes and links alone could not
    List<String> lines = new ArrayList<>(export());
    ObjectNode tool = json(lines.get(4));
    tool.put("payload", tool.path("payload").asText().replace("\"order\":42", "\"order\":4200"));
    lines.set(4, tool.toString());

    VerifyAuditExport.Report r = verify(lines);

    assertFalse(r.valid());
    assertTrue(problems(r).contains("the signed head says redactedHash"), problems(r));
    assertFalse(problems(r).contains("does not link"), "the links alone still hold");
  }

  @Test
  void aLineNewlyMarkedRedactedCannotSmuggleAChangedPayload() throws Exception {
    List<String> lines = new ArrayList<>(export());
    ObjectNode started = json(lines.get(3));
    assertFalse(started.has("redacted"));
    started.put("redacted", true);
    started.put("payload", started.path("payload").asText().replace("\"step\":1", "\"step\":2"));
    lines.set(3, started.toString());

    VerifyAuditExport.Report r = verify(lines);

    assertFalse(r.valid());
    assertTrue(problems(r).contains("the signed head says redactedEvents '4'"), problems(r));
  }

  @Test
  void aRedactedLineUnmarkedIsCaughtByItsHash() throws Exception {
    List<String> lines = new ArrayList<>(export());
    ObjectNode message = json(lines.get(2));
    message.remove("redacted");
    lines.set(2, message.toString());

    VerifyAuditExport.Report r = verify(lines);

    assertFalse(r.valid());
    assertTrue(problems(r).contains("event 2's payload does not hash"), problems(r));
  }

  @Test
  void aPayloadThatIsNotRedactedStillCannotBeChanged() throws Exception {
    List<String> lines = new ArrayList<>(export());
    ObjectNode granted = json(lines.get(5));
    assertFalse(granted.has("redacted"));
    granted.put("payload", granted.path("payload").asText().replace("\"bob\"", "\"eve\""));
    lines.set(5, granted.toString());

    VerifyAuditExport.Report r = verify(lines);

    assertFalse(r.valid());
    assertTrue(problems(r).contains("event 5's payload does not hash"), problems(r));
  }

  @Test
  void anExportPassedOffAsFormatOneIsCaught() throws Exception {
    // format 1 has no redacted lines and signs no commitment to them; the format is signed
    List<String> lines = new ArrayList<>(export());
    ObjectNode header = json(lines.get(0));
    header.put("format", ExportFormat.VERSION_1);
    lines.set(0, header.toString());

    VerifyAuditExport.Report r = verify(lines);

    assertFalse(r.valid());
    assertTrue(problems(r).contains("marked redacted in an export of format 1"), problems(r));
    assertTrue(problems(r).contains("the signed head says format '2'"), problems(r));
  }

  @Test
  void anExportOfFormatOneWrittenByAnEarlierNodeStillVerifies() throws Exception {
    // what a node of format 1 wrote: no redaction fields, format 1 in header and statement
    List<String> lines = new ArrayList<>(export(journal(null, "bob"), SETTINGS));
    ObjectNode header = json(lines.get(0));
    header.put("format", ExportFormat.VERSION_1);
    lines.set(0, header.toString());
    int last = lines.size() - 1;
    ObjectNode head = json(lines.get(last));
    ObjectNode statement = json(head.path("statement").asText());
    statement.remove("redactedEvents");
    statement.remove("redactedHash");
    statement.put("format", ExportFormat.VERSION_1);
    String signed = Json.MAPPER.writeValueAsString(statement);
    head.remove("redactedEvents");
    head.put("statement", signed);
    head.put("signature", node.signDetached(signed.getBytes(StandardCharsets.UTF_8)));
    lines.set(last, head.toString());

    VerifyAuditExport.Report r = verify(lines);

    assertTrue(r.valid(), problems(r));
    assertEquals(7, r.events());
  }

  @Test
  void aPayloadTooLargeToScanIsExportedWithItsContentReplacedAndStillVerifies() throws Exception {
    // past the guardrail bounds redaction fails closed: content goes, the chain fields stay
    List<String> lines = export(journal(), SETTINGS.withMaxTextChars(20));

    String all = String.join("\n", lines);
    assertFalse(all.contains(EMAIL), all);
    JsonNode message = Json.MAPPER.readTree(json(lines.get(2)).path("payload").asText());
    assertEquals(Guardrails.TIMEOUT_MARKER, message.path("content").asText(), message.toString());
    assertEquals("user:alice", message.path("meta").path("actor").asText());
    VerifyAuditExport.Report r = verify(lines);
    assertTrue(r.valid(), problems(r));
  }
}

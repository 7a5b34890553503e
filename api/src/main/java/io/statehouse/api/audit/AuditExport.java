package io.statehouse.api.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.statehouse.runtime.audit.AuditChain;
import io.statehouse.runtime.audit.ChainVerification;
import io.statehouse.runtime.audit.HeadSigner;
import io.statehouse.runtime.audit.Seal;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.policy.guardrail.Guardrails;
import io.statehouse.runtime.policy.guardrail.Stage;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionId;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * Writes the lines of a session's audit export ({@link ExportFormat}). One instance per export: it
 * verifies the chain (MACs included) while the events stream past, redacts payloads with the
 * agent's {@code export} guardrails, and signs the head with what it found, valid or not, and with
 * its commitment to the redacted lines. Not thread-safe; a stream calls it in order.
 */
public final class AuditExport {
  private static final ObjectMapper JSON = Json.MAPPER;

  /**
   * Reads and writes payloads for redaction: floats as decimals, so an amount in a redacted line
   * keeps its digits; nulls inside values are kept as stored.
   */
  private static final ObjectMapper PAYLOADS =
      JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

  /**
   * Top-level payload fields export redaction leaves alone: the chain's own fields ({@code meta}:
   * time, actor, prevHash, which the verifier links and compares) and who acted, as what. Naming
   * who opened, approved or denied is what the trail is for.
   */
  private static final Set<String> KEPT = Set.of("meta", "owner", "decidedBy", "role", "roles");

  private final SessionId session;
  private final Instant exportedAt;
  private final Guardrails guardrails;
  private final ChainVerification chain = new ChainVerification();
  private final ExportFormat.Redactions redactions = new ExportFormat.Redactions();

  /** An export without redaction (an agent without {@code export} guardrails). */
  public AuditExport(SessionId session, Instant exportedAt) {
    this(session, exportedAt, Guardrails.NONE);
  }

  /**
   * An export whose payloads are redacted by {@code guardrails} at {@link Stage#EXPORT}: those of
   * the agent pinned in the session's first event.
   */
  public AuditExport(SessionId session, Instant exportedAt, Guardrails guardrails) {
    this.session = session;
    this.exportedAt = exportedAt;
    this.guardrails = guardrails;
  }

  /**
   * The first line: which session, tenant and agent ({@code opening}: the journal's first event,
   * null when it cannot be read), and when it was exported.
   */
  public String header(SessionCreated opening) {
    ObjectNode line =
        JSON.createObjectNode()
            .put("kind", ExportFormat.HEADER)
            .put("format", ExportFormat.VERSION)
            .put("tenant", session.tenant())
            .put("session", session.id())
            .put("exportedAt", exportedAt.toString());
    if (opening != null && opening.agent() != null) {
      line.put("agent", opening.agent().name()).put("agentVersion", opening.agent().version());
    }
    return write(line);
  }

  /**
   * One event: its chain link and its payload, the stored canonical JSON exactly (events stored
   * before sealing: their canonical rendering, which is what their hash was taken over). When the
   * agent's {@code export} rules change the payload, the line carries the redacted payload, {@code
   * "redacted": true} and still the hash of the stored bytes: the one the next event links to.
   */
  public String event(long seq, SessionEvent event) {
    chain.accept(session, seq, event);
    Seal seal = event.meta().seal();
    String stored =
        seal != null ? seal.json() : new String(Json.canonicalBytes(event), StandardCharsets.UTF_8);
    String type = event.getClass().getSimpleName();
    String hash = AuditChain.hash(event);
    String payload = redacted(stored);
    ObjectNode line =
        JSON.createObjectNode()
            .put("kind", ExportFormat.EVENT)
            .put("seq", seq)
            .put("type", type)
            .put("at", event.meta().at() == null ? null : event.meta().at().toString())
            .put("actor", event.meta().actor())
            .put("prevHash", event.meta().prevHash())
            .put("hash", hash)
            .put("keyed", seal != null);
    if (!payload.equals(stored)) {
      redactions.add(seq, hash, type, payload);
      line.put("redacted", true);
    }
    return write(line.put("payload", payload));
  }

  /**
   * {@code stored} with the {@code export} rules applied to every string of its fields but {@link
   * #KEPT}, at any depth; {@code stored} itself when nothing matched. A payload whose redaction
   * cannot finish within the guardrail bounds has every such field replaced by the timeout marker:
   * it fails closed, and its chain fields stay readable.
   */
  private String redacted(String stored) {
    if (!guardrails.redacts(Stage.EXPORT)) {
      return stored;
    }
    // the stored bytes were read into this event already, so they are a JSON object; if not,
    // nothing of them is exported rather than something unredacted
    JsonNode tree;
    try {
      tree = PAYLOADS.readTree(stored);
    } catch (JsonProcessingException e) {
      // without the cause: a parser's message quotes the text it stopped at
      throw new IllegalStateException("an event's stored payload is not JSON");
    }
    if (!(tree instanceof ObjectNode payload)) {
      throw new IllegalStateException("an event's stored payload is not a JSON object");
    }
    ObjectNode content = JsonNodeFactory.instance.objectNode();
    for (Map.Entry<String, JsonNode> field : payload.properties()) {
      if (!KEPT.contains(field.getKey())) {
        content.set(field.getKey(), field.getValue());
      }
    }
    JsonNode redacted = guardrails.redact(content, Stage.EXPORT);
    if (redacted == content) {
      return stored;
    }
    // the stored key order (sorted) is kept, so a redacted payload reads like the stored one
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    for (Map.Entry<String, JsonNode> field : payload.properties()) {
      String name = field.getKey();
      out.set(
          name,
          KEPT.contains(name)
              ? field.getValue()
              : redacted.isObject()
                  ? redacted.get(name)
                  : TextNode.valueOf(Guardrails.TIMEOUT_MARKER));
    }
    try {
      return PAYLOADS.writeValueAsString(out);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a redacted payload", e);
    }
  }

  /** The journal could not be read past the last event written: the head will say so. */
  public void unreadable() {
    chain.unreadable();
  }

  /** The verification so far. */
  public ChainVerification.Result result() {
    return chain.result();
  }

  /**
   * The last line: what the node found, as a statement it signs with {@code signer}. An invalid
   * chain is signed too, so that an auditor holds the node's word that it was invalid.
   */
  public String head(HeadSigner signer) {
    ChainVerification.Result r = chain.result();
    // keys in sorted order: the statement is read by people as well as verified
    ObjectNode statement = JSON.createObjectNode();
    statement.put("events", r.events());
    statement.put("exportedAt", exportedAt.toString());
    if (r.firstInvalidSeq() != null) {
      statement.put("firstInvalidSeq", r.firstInvalidSeq());
    }
    if (r.firstMissingSeq() != null) {
      statement.put("firstMissingSeq", r.firstMissingSeq());
    }
    statement.put("format", ExportFormat.VERSION);
    statement.put("headHash", r.headHash());
    if (r.problem() != null) {
      statement.put("problem", r.problem().wire());
    }
    statement.put("purpose", ExportFormat.PURPOSE);
    statement.put("redactedEvents", redactions.count());
    statement.put("redactedHash", redactions.digest());
    statement.put("session", session.id());
    statement.put("tenant", session.tenant());
    statement.put("unkeyedEvents", r.unkeyedEvents());
    statement.put("valid", r.valid());
    String signed = write(statement);
    ObjectNode line =
        JSON.createObjectNode()
            .put("kind", ExportFormat.HEAD)
            .put("events", r.events())
            .put("headHash", r.headHash())
            .put("valid", r.valid());
    if (r.firstInvalidSeq() != null) {
      line.put("firstInvalidSeq", r.firstInvalidSeq());
    }
    if (r.firstMissingSeq() != null) {
      line.put("firstMissingSeq", r.firstMissingSeq());
    }
    if (r.problem() != null) {
      line.put("problem", r.problem().wire()).put("reason", r.reason());
    }
    line.put("redactedEvents", redactions.count())
        .put("unkeyedEvents", r.unkeyedEvents())
        .put("statement", signed)
        .put("signature", signer.sign(signed.getBytes(StandardCharsets.UTF_8)));
    return write(line);
  }

  private static String write(ObjectNode line) {
    try {
      return JSON.writeValueAsString(line);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write an export line", e);
    }
  }
}

package io.statehouse.api.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.statehouse.runtime.audit.AuditChain;
import io.statehouse.runtime.audit.ChainVerification;
import io.statehouse.runtime.audit.HeadSigner;
import io.statehouse.runtime.audit.Seal;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionId;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Writes the lines of a session's audit export ({@link ExportFormat}). One instance per export: it
 * verifies the chain (MACs included) while the events stream past, and signs the head with what it
 * found, valid or not. Not thread-safe; a stream calls it in order.
 */
public final class AuditExport {
  private static final ObjectMapper JSON = Json.MAPPER;

  private final SessionId session;
  private final Instant exportedAt;
  private final ChainVerification chain = new ChainVerification();

  public AuditExport(SessionId session, Instant exportedAt) {
    this.session = session;
    this.exportedAt = exportedAt;
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
   * before sealing: their canonical rendering, which is what their hash was taken over).
   */
  public String event(long seq, SessionEvent event) {
    chain.accept(session, seq, event);
    Seal seal = event.meta().seal();
    String payload =
        seal != null ? seal.json() : new String(Json.canonicalBytes(event), StandardCharsets.UTF_8);
    return write(
        JSON.createObjectNode()
            .put("kind", ExportFormat.EVENT)
            .put("seq", seq)
            .put("type", event.getClass().getSimpleName())
            .put("at", event.meta().at() == null ? null : event.meta().at().toString())
            .put("actor", event.meta().actor())
            .put("prevHash", event.meta().prevHash())
            .put("hash", AuditChain.hash(event))
            .put("keyed", seal != null)
            .put("payload", payload));
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
    line.put("unkeyedEvents", r.unkeyedEvents())
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

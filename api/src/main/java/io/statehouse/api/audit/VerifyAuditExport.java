package io.statehouse.api.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Verifies a session's audit export offline, with only the node's public keys: {@code
 * deploy/verify-audit.sh <export.jsonl> <jwks.json | https://node/.well-known/jwks.json>}.
 *
 * <p>It recomputes every event's hash from its payload, checks that each payload links to the one
 * before it and that sequence numbers run 1, 2, 3… without a gap, checks the head statement's ES256
 * signature against the JWKS, and that the signed statement names this session, this many events
 * and the head hash it computed. The node signs only after checking every event's MAC with its
 * audit key, so a valid signature over this head vouches for every byte before it.
 *
 * <p>A line marked {@code redacted} (format 2) carries a payload redacted by the agent's export
 * guardrails, whose stored bytes are not in the export: its {@code hash} is taken as given (the
 * next event's link and the signed head hash bind it), and the signed statement's {@code
 * redactedEvents} and {@code redactedHash} must match the redacted lines as they are ({@link
 * ExportFormat.Redactions}). So a redacted payload changed after export is caught, but that it is a
 * faithful redaction of the stored bytes rests on the node's signature alone. Prints who did what,
 * event by event, then the verdict. Exit status: 0 valid, 1 invalid, 2 usage error (bad arguments,
 * unreadable file, keys that cannot be loaded). Uses only Jackson and Nimbus JOSE.
 */
public final class VerifyAuditExport {
  public static final int VALID = 0;
  public static final int INVALID = 1;
  public static final int USAGE = 2;
  // a problem list for people, not a log: the first ones tell what happened
  private static final int MAX_PROBLEMS = 20;
  private static final int JWKS_TIMEOUT_MS = 10_000;
  private static final int JWKS_MAX_BYTES = 1 << 20;
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private VerifyAuditExport() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out));
  }

  /** The command, with its output going to {@code out}; returns the exit status. */
  public static int run(String[] args, PrintStream out) {
    if (args.length != 2) {
      out.println(
          "usage: verify-audit <export.jsonl | -> <jwks.json | https://node/.well-known/jwks.json>");
      return USAGE;
    }
    JWKSet keys;
    try {
      keys = loadKeys(args[1]);
    } catch (IOException | ParseException | IllegalArgumentException e) {
      out.println("cannot load the public keys from " + args[1] + ": " + e.getMessage());
      return USAGE;
    }
    try (BufferedReader lines =
        args[0].equals("-")
            ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
            : Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
      Report report = verify(lines, keys, out);
      out.println(report.summary());
      return report.valid() ? VALID : INVALID;
    } catch (IOException e) {
      out.println("cannot read " + args[0] + ": " + e);
      return USAGE;
    }
  }

  /** A JWKS file, or a JWKS URL (http or https). */
  public static JWKSet loadKeys(String where) throws IOException, ParseException {
    if (where.startsWith("https://") || where.startsWith("http://")) {
      return JWKSet.load(
          URI.create(where).toURL(), JWKS_TIMEOUT_MS, JWKS_TIMEOUT_MS, JWKS_MAX_BYTES);
    }
    return JWKSet.load(Path.of(where).toFile());
  }

  /**
   * The outcome.
   *
   * @param redactedEvents event lines marked redacted: their hashes are as given, not recomputed
   * @param signedBy the {@code kid} of the key whose signature over the head checked out, or null
   * @param problems the first problems found, in the order found; empty when valid
   */
  public record Report(
      boolean valid,
      long events,
      long redactedEvents,
      String headHash,
      String tenant,
      String session,
      String signedBy,
      List<String> problems) {
    public String summary() {
      if (valid) {
        return "VALID: session "
            + session
            + " of tenant "
            + tenant
            + ", "
            + events
            + " events"
            + (redactedEvents > 0
                ? " ("
                    + redactedEvents
                    + " redacted: their payloads are covered by the node's signature, not"
                    + " recomputable offline)"
                : "")
            + ", head "
            + headHash
            + ", signed by key "
            + signedBy;
      }
      return "INVALID: " + String.join("\n  ", problems);
    }
  }

  /** Reads the export line by line (never all of it at once), printing who did what. */
  public static Report verify(BufferedReader lines, JWKSet keys, PrintStream out)
      throws IOException {
    Check c = new Check(keys, out);
    String line;
    while ((line = lines.readLine()) != null) {
      if (!line.isBlank()) {
        c.line(line);
      }
    }
    return c.end();
  }

  /** The verification of one export, line by line. */
  private static final class Check {
    private final JWKSet keys;
    private final PrintStream out;
    private final List<String> problems = new ArrayList<>();
    private long lineNo;
    private JsonNode header;
    private int format;
    private final ExportFormat.Redactions redactions = new ExportFormat.Redactions();
    private boolean headSeen;
    private long events;
    private long expectedSeq = 1;
    private String head = ExportFormat.GENESIS;
    private String signedBy;

    Check(JWKSet keys, PrintStream out) {
      this.keys = keys;
      this.out = out;
    }

    void line(String text) {
      lineNo++;
      JsonNode line;
      try {
        line = JSON.readTree(text);
      } catch (IOException e) {
        problem("line " + lineNo + " is not JSON");
        return;
      }
      String kind = line.path("kind").asText();
      if (headSeen) {
        problem("line " + lineNo + " follows the signed head: nothing may be added after it");
      } else if (header == null) {
        header(line, kind);
      } else if (kind.equals(ExportFormat.EVENT)) {
        event(line);
      } else if (kind.equals(ExportFormat.HEAD)) {
        head(line);
      } else {
        problem("line " + lineNo + " is neither an event nor the head (kind '" + kind + "')");
      }
    }

    private void header(JsonNode line, String kind) {
      if (!kind.equals(ExportFormat.HEADER)) {
        problem("line 1 is not the export's header");
        header = JSON.createObjectNode();
        return;
      }
      header = line;
      format = line.path("format").asInt();
      if (!ExportFormat.readable(format)) {
        problem(
            "export format "
                + line.path("format")
                + " is not "
                + ExportFormat.VERSION_1
                + " or "
                + ExportFormat.VERSION);
      }
      out.println(
          "Session "
              + line.path("session").asText()
              + " of tenant "
              + line.path("tenant").asText()
              + (line.has("agent")
                  ? ", agent " + line.path("agent").asText() + " v" + line.path("agentVersion")
                  : "")
              + ", exported "
              + line.path("exportedAt").asText());
    }

    private void event(JsonNode line) {
      events++;
      long seq = line.path("seq").asLong(-1);
      String type = line.path("type").asText();
      String payload = line.path("payload").asText(null);
      if (seq != expectedSeq) {
        problem(
            "line "
                + lineNo
                + ": event "
                + seq
                + " where event "
                + expectedSeq
                + " was due (an event is missing, or lines were reordered)");
      }
      expectedSeq = seq + 1;
      if (payload == null || type.isEmpty()) {
        problem("line " + lineNo + ": event " + seq + " has no type or payload");
        return;
      }
      String hash;
      boolean redacted = line.path("redacted").asBoolean(false);
      if (line.has("redacted") && !line.path("redacted").isBoolean()) {
        problem("line " + lineNo + ": event " + seq + "'s 'redacted' is not true or false");
      }
      if (redacted) {
        // the stored bytes are not here: the hash beside the payload is what the chain links
        hash = line.path("hash").asText();
        if (format < ExportFormat.VERSION) {
          problem(
              "line "
                  + lineNo
                  + ": event "
                  + seq
                  + " is marked redacted in an export of format "
                  + format
                  + ", which has no redacted events");
        }
        if (!ExportFormat.isHash(hash)) {
          problem("line " + lineNo + ": event " + seq + "'s hash is not a SHA-256 in hex");
        }
        redactions.add(seq, hash, type, payload);
      } else {
        hash = ExportFormat.hash(type, payload);
        if (!hash.equals(line.path("hash").asText())) {
          problem(
              "line "
                  + lineNo
                  + ": event "
                  + seq
                  + "'s payload does not hash to the hash beside it (the payload was changed)");
        }
      }
      JsonNode data;
      try {
        data = JSON.readTree(payload);
      } catch (IOException e) {
        problem("line " + lineNo + ": event " + seq + "'s payload is not JSON");
        head = hash;
        return;
      }
      JsonNode meta = data.path("meta");
      String prevHash = meta.path("prevHash").asText();
      if (!prevHash.equals(head)) {
        problem(
            "line "
                + lineNo
                + ": event "
                + seq
                + " does not link to the event before it (one was removed, changed or moved)");
      }
      if (!prevHash.equals(line.path("prevHash").asText())
          || !meta.path("actor").asText().equals(line.path("actor").asText())
          || !meta.path("at").asText().equals(line.path("at").asText())) {
        problem(
            "line "
                + lineNo
                + ": event "
                + seq
                + "'s prevHash, actor or time beside the payload differ from the payload's own");
      }
      head = hash;
      out.println(describe(seq, type, meta, data) + (redacted ? "  (redacted)" : ""));
    }

    /** One line of the trail, from the hashed payload (not the unhashed copies beside it). */
    private static String describe(long seq, String type, JsonNode meta, JsonNode data) {
      StringBuilder details = new StringBuilder();
      for (String field : new String[] {"tool", "decision", "decidedBy", "role", "code"}) {
        if (data.hasNonNull(field)) {
          details.append(' ').append(field).append('=').append(data.path(field).asText());
        }
      }
      return String.format(
          Locale.ROOT,
          "%6d  %-24s  %-24s  %s%s",
          seq,
          meta.path("at").asText(),
          meta.path("actor").asText(),
          type,
          details);
    }

    private void head(JsonNode line) {
      headSeen = true;
      String statementText = line.path("statement").asText(null);
      String signature = line.path("signature").asText(null);
      if (statementText == null || signature == null) {
        problem("the head has no signed statement");
        return;
      }
      byte[] statementBytes = statementText.getBytes(StandardCharsets.UTF_8);
      signedBy = verifySignature(signature, statementBytes);
      if (signedBy == null) {
        return;
      }
      JsonNode statement;
      try {
        statement = JSON.readTree(statementBytes);
      } catch (IOException e) {
        problem("the signed statement is not JSON");
        return;
      }
      expect(statement, "purpose", ExportFormat.PURPOSE);
      // signed, so an export cannot be passed off as format 1 to drop the redaction check
      expect(statement, "format", String.valueOf(format));
      expect(statement, "session", header.path("session").asText());
      expect(statement, "tenant", header.path("tenant").asText());
      expect(statement, "exportedAt", header.path("exportedAt").asText());
      expect(statement, "events", String.valueOf(events));
      expect(statement, "headHash", head);
      if (format >= ExportFormat.VERSION) {
        expect(statement, "redactedEvents", String.valueOf(redactions.count()));
        expect(statement, "redactedHash", redactions.digest());
      }
      for (String copied : new String[] {"events", "headHash", "valid", "redactedEvents"}) {
        if (!statement.path(copied).equals(line.path(copied))) {
          problem("the head's " + copied + " differs from the signed statement's");
        }
      }
      if (!statement.path("valid").asBoolean(false)) {
        problem(
            "the node found this chain invalid when it exported it (signed): "
                + statement.path("problem").asText("")
                + " at event "
                + statement.path("firstInvalidSeq").asText("?")
                + (statement.has("firstMissingSeq")
                    ? ", first missing event " + statement.path("firstMissingSeq").asText()
                    : "")
                + (line.has("reason") ? " — " + line.path("reason").asText() : ""));
      }
      if (statement.path("unkeyedEvents").asLong(0) > 0) {
        out.println(
            "note: "
                + statement.path("unkeyedEvents").asLong()
                + " event(s) were stored before events were sealed with a MAC: their chain links"
                + " are checked, but the node could not vouch for their bytes");
      }
    }

    /** The kid of the key whose ES256 signature over {@code statement} checks out, or null. */
    private String verifySignature(String compact, byte[] statement) {
      try {
        String[] parts = compact.split("\\.", -1);
        if (parts.length != 3) {
          problem("the head's signature is not a compact JWS");
          return null;
        }
        JWSObject jws =
            parts[1].isEmpty()
                ? JWSObject.parse(compact, new Payload(statement))
                : JWSObject.parse(compact);
        if (!parts[1].isEmpty()
            && !java.util.Arrays.equals(jws.getPayload().toBytes(), statement)) {
          problem("the head's signature is over another statement");
          return null;
        }
        if (!JWSAlgorithm.ES256.equals(jws.getHeader().getAlgorithm())) {
          problem("the head is signed with " + jws.getHeader().getAlgorithm() + ", not ES256");
          return null;
        }
        String kid = jws.getHeader().getKeyID();
        JWK key = kid == null ? null : keys.getKeyByKeyId(kid);
        if (!(key instanceof ECKey ec) || !Curve.P_256.equals(ec.getCurve())) {
          problem(
              "the head is signed with key '"
                  + kid
                  + "', which is not an EC P-256 key of the JWKS");
          return null;
        }
        if (!jws.verify(new ECDSAVerifier(ec.toPublicJWK()))) {
          problem("the head's signature does not verify with key '" + kid + "'");
          return null;
        }
        return kid;
      } catch (ParseException | JOSEException | IllegalStateException e) {
        problem("the head's signature cannot be read: " + e.getMessage());
        return null;
      }
    }

    private void expect(JsonNode statement, String field, String expected) {
      String found = statement.path(field).asText();
      if (!found.equals(expected)) {
        problem(
            "the signed head says "
                + field
                + " '"
                + found
                + "', the export has '"
                + expected
                + "'"
                + (field.equals("events") || field.equals("headHash")
                    ? " (events were removed, added or changed)"
                    : field.startsWith("redacted")
                        ? " (a redacted line was changed, added, moved, or marked or unmarked)"
                        : ""));
      }
    }

    private void problem(String found) {
      if (problems.size() < MAX_PROBLEMS) {
        problems.add(found);
      } else if (problems.size() == MAX_PROBLEMS) {
        problems.add("… and more");
      }
    }

    Report end() {
      if (header == null) {
        problem("the export is empty");
      } else if (!headSeen) {
        problem("the export ends without its signed head (it was cut short)");
      }
      String tenant = header == null ? null : header.path("tenant").asText();
      String session = header == null ? null : header.path("session").asText();
      return new Report(
          problems.isEmpty(),
          events,
          redactions.count(),
          head,
          tenant,
          session,
          signedBy,
          List.copyOf(problems));
    }
  }
}

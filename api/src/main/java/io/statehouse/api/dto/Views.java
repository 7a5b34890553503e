package io.statehouse.api.dto;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.statehouse.runtime.Role;
import io.statehouse.runtime.approval.ApprovalQueue;
import io.statehouse.runtime.audit.AuditChain;
import io.statehouse.runtime.audit.ChainVerification;
import io.statehouse.runtime.audit.ChainedEvent;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.HeaderValue;
import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.catalog.McpConnection;
import io.statehouse.runtime.catalog.McpServerSpec;
import io.statehouse.runtime.catalog.McpTool;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.AgentSession.PendingDecision;
import io.statehouse.runtime.session.AgentSession.TurnOutcome;
import io.statehouse.runtime.session.SessionDirectory;
import io.statehouse.runtime.session.SessionState;
import io.statehouse.runtime.session.ToolCallState;
import io.statehouse.runtime.session.Turn;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Response bodies of the API, and how runtime values become them. */
public final class Views {
  private static final String REDACTED = "***";

  private Views() {}

  /** Exactly one of {@code http} and {@code builtin} is present. */
  public record ToolView(
      String name,
      int version,
      String description,
      JsonNode inputSchema,
      boolean idempotent,
      String timeout,
      RetryView retry,
      @JsonInclude(JsonInclude.Include.NON_NULL) HttpView http,
      @JsonInclude(JsonInclude.Include.NON_NULL) BuiltinView builtin) {}

  public record BuiltinView(String provider, String tool) {}

  /**
   * A registered MCP server. Like headers, literal {@code env} values show as {@code "***"} and
   * secret references by name; {@code tools} are those it listed when registered.
   */
  public record McpServerView(
      String name,
      int version,
      String description,
      @JsonInclude(JsonInclude.Include.NON_NULL) McpStdioView stdio,
      @JsonInclude(JsonInclude.Include.NON_NULL) McpHttpView http,
      String timeout,
      RetryView retry,
      Map<String, McpToolOptionsView> toolOptions,
      List<McpToolView> tools,
      boolean toolsTruncated) {}

  public record McpStdioView(String command, List<String> args, Map<String, JsonNode> env) {}

  public record McpHttpView(String url, Map<String, JsonNode> headers) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record McpToolOptionsView(Boolean idempotent, String timeout) {}

  /**
   * A tool of an MCP server: {@code modelName} is what agents name and the model sees, {@code name}
   * its name on the server; {@code usable} whether an agent may name it now, {@code reason} why
   * not.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record McpToolView(
      String modelName,
      String name,
      String description,
      JsonNode inputSchema,
      JsonNode annotations,
      boolean idempotent,
      boolean usable,
      String reason) {}

  /** {@code GET /v1/mcp-servers/{name}/tools}: what the server lists now. */
  public record McpToolListView(
      String server, int version, boolean truncated, List<McpToolView> items) {}

  public record RetryView(int maxAttempts, String backoff, String maxBackoff) {}

  /**
   * Header values are never echoed: a literal shows as {@code "***"}, a secret reference as {@code
   * {"secret": "NAME"}} (the name is not secret; its value is never stored).
   */
  public record HttpView(
      String method, String url, Map<String, JsonNode> headers, List<Integer> notApplied) {}

  public record AgentView(
      String name,
      int version,
      String description,
      String instructions,
      ModelView model,
      List<String> tools,
      List<Object> policies,
      LimitsView limits,
      String multitask) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  /**
   * {@code options}: the provider's other settings, rendered beside {@code provider} and {@code id}
   * as the agent was registered (e.g. bedrock's {@code region}).
   */
  public record ModelView(
      String provider,
      String id,
      Long latencyMs,
      Boolean loop,
      List<StepView> script,
      @JsonAnyGetter Map<String, JsonNode> options) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record StepView(String text, List<CallView> toolCalls) {}

  public record CallView(String name, JsonNode input) {}

  public record LimitsView(
      int maxStepsPerTurn,
      long maxTokensPerSession,
      long maxTokensPerTurn,
      BigDecimal maxCostUsd) {}

  public record CatalogView<T>(List<T> items) {}

  public record SessionCreatedView(
      String id, String agent, int agentVersion, String status, Instant createdAt) {}

  public record SessionView(
      String id,
      String status,
      AgentRef agent,
      String owner,
      Instant createdAt,
      Instant updatedAt,
      Map<String, String> metadata,
      List<MessageView> messages,
      long earlierMessages,
      TurnView currentTurn,
      List<ApprovalView> approvals,
      UsageView usage,
      long turns,
      @JsonInclude(JsonInclude.Include.NON_NULL) ErrorView error) {}

  public record AgentRef(String name, int version) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record MessageView(
      String role,
      String content,
      List<ToolCallView> toolCalls,
      List<ToolResultView> toolResults) {}

  public record ToolCallView(String id, String name, JsonNode input) {}

  public record ToolResultView(String toolCallId, String content, boolean isError) {}

  public record TurnView(
      String turnId,
      String status,
      Instant startedAt,
      int modelCalls,
      List<CallStateView> toolCalls) {}

  public record CallStateView(String id, String tool, String status, int round) {}

  /**
   * Something a human must decide: {@code kind} {@code approval} (a policy rule requires it) or
   * {@code outcome_unknown} (a tool that may have run); {@code approvers} are the roles that may
   * decide; {@code expiresAt} when it is denied by timeout (absent: never).
   */
  public record ApprovalView(
      String id,
      String tool,
      JsonNode input,
      String reason,
      String kind,
      List<String> approvers,
      @JsonInclude(JsonInclude.Include.NON_NULL) Instant expiresAt) {}

  /** An entry of {@code GET /v1/approvals}. */
  public record QueuedApprovalView(
      String id,
      String sessionId,
      String turnId,
      String agent,
      String tool,
      JsonNode input,
      String reason,
      String kind,
      List<String> approvers,
      String status,
      String requestedBy,
      Instant requestedAt,
      @JsonInclude(JsonInclude.Include.NON_NULL) Instant expiresAt,
      @JsonInclude(JsonInclude.Include.NON_NULL) String decidedBy,
      @JsonInclude(JsonInclude.Include.NON_NULL) Instant decidedAt) {}

  public record ApprovalQueueView(List<QueuedApprovalView> approvals, String next) {}

  /**
   * Tokens and cost: {@code inputTokens} read at full price, {@code cacheReadTokens} and {@code
   * cacheWriteTokens} served from or written to a provider's prompt cache, {@code totalTokens} all
   * of them with the output.
   */
  public record UsageView(
      long inputTokens,
      long outputTokens,
      long cacheReadTokens,
      long cacheWriteTokens,
      long totalTokens,
      BigDecimal costUsd) {}

  /** {@code GET /v1/usage}: one row per group in key order, and their sum. */
  public record UsageReportView(
      String tenant,
      String groupBy,
      LocalDate from,
      LocalDate to,
      List<UsageGroupView> groups,
      UsageGroupView total) {}

  /** A usage report's row: an agent, a model ({@code provider:id}) or a day; null for the total. */
  public record UsageGroupView(
      @JsonInclude(JsonInclude.Include.NON_NULL) String key, long modelCalls, UsageView usage) {}

  public record TurnResultView(
      String turnId,
      String status,
      String output,
      List<ApprovalView> approvals,
      UsageView usage,
      @JsonInclude(JsonInclude.Include.NON_NULL) ErrorView error,
      @JsonInclude(JsonInclude.Include.NON_NULL) String stopReason) {}

  public record RunningTurnView(String turnId, String status) {}

  public record ErrorView(String code, String message) {}

  public record SessionListView(List<SessionSummaryView> sessions, String next) {}

  public record SessionSummaryView(
      String id,
      String agent,
      int agentVersion,
      String status,
      String lastTurnId,
      Instant createdAt,
      Instant updatedAt) {}

  /**
   * A page of the journal; {@code missing} names the sequence numbers the page skips, which a
   * journal written by Statehouse never does (see docs/operations.md).
   */
  public record EventsView(
      List<EventView> events,
      Long next,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<MissingView> missing) {}

  /** Sequence numbers {@code from} to {@code to} (inclusive) are not in the journal. */
  public record MissingView(long from, long to) {}

  /**
   * {@code GET …/audit/verify}: the whole chain recomputed, MACs included. {@code problem} says why
   * {@code firstInvalidSeq} is invalid ({@code broken_link}, {@code bad_mac}, …); {@code
   * unkeyedEvents} counts events stored before sealing, whose bytes only their hash covers.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record AuditVerifyView(
      boolean valid,
      long events,
      String headHash,
      Long firstMissingSeq,
      Long firstInvalidSeq,
      String problem,
      String reason,
      long unkeyedEvents) {}

  public record EventView(
      long seq,
      String type,
      Instant at,
      String actor,
      JsonNode data,
      String prevHash,
      String hash) {}

  // ---- mapping ----------------------------------------------------------------------------------

  public static ToolView tool(ToolSpec t) {
    return new ToolView(
        t.name(),
        t.version(),
        t.description(),
        t.inputSchema(),
        t.idempotent(),
        Durations.format(t.timeout()),
        new RetryView(
            t.retry().maxAttempts(),
            Durations.format(t.retry().backoff()),
            Durations.format(t.retry().maxBackoff())),
        t.http() == null ? null : http(t.http()),
        t.builtin() == null ? null : new BuiltinView(t.builtin().provider(), t.builtin().tool()));
  }

  private static HttpView http(HttpTarget http) {
    return new HttpView(
        http.method(),
        http.url(),
        masked(http.headers()),
        http.notApplied().stream().sorted().toList());
  }

  private static Map<String, JsonNode> masked(Map<String, HeaderValue> values) {
    Map<String, JsonNode> out = new TreeMap<>();
    values.forEach((h, v) -> out.put(h, maskedHeader(v)));
    return out;
  }

  public static McpServerView mcpServer(McpServerSpec s) {
    McpConnection c = s.connection();
    Map<String, McpToolOptionsView> options = new TreeMap<>();
    s.toolOptions()
        .forEach(
            (tool, o) ->
                options.put(
                    tool,
                    new McpToolOptionsView(
                        o.idempotent(),
                        o.timeout() == null ? null : Durations.format(o.timeout()))));
    return new McpServerView(
        s.name(),
        s.version(),
        s.description(),
        c.stdio() == null
            ? null
            : new McpStdioView(c.stdio().command(), c.stdio().args(), masked(c.stdio().env())),
        c.http() == null ? null : new McpHttpView(c.http().url(), masked(c.http().headers())),
        Durations.format(s.timeout()),
        new RetryView(
            s.retry().maxAttempts(),
            Durations.format(s.retry().backoff()),
            Durations.format(s.retry().maxBackoff())),
        options,
        s.tools().stream().map(t -> mcpTool(t, null)).toList(),
        s.toolsTruncated());
  }

  /**
   * A tool as listed; {@code notUsable} overrides its own reason (e.g. "not in the registered
   * version"), null to keep it.
   */
  public static McpToolView mcpTool(McpTool t, String notUsable) {
    String reason = t.unusable() != null ? t.unusable() : notUsable;
    return new McpToolView(
        t.modelName(),
        t.name(),
        t.description(),
        t.inputSchema(),
        t.annotations(),
        t.idempotent(),
        reason == null,
        reason);
  }

  private static Map<String, JsonNode> options(JsonNode options) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    if (options != null) {
      options.properties().forEach(e -> out.put(e.getKey(), e.getValue()));
    }
    return out;
  }

  public static AgentView agent(AgentSpec a) {
    List<StepView> script =
        a.model().script().isEmpty()
            ? null
            : a.model().script().stream()
                .map(
                    s ->
                        new StepView(
                            s.text(),
                            s.toolCalls().stream()
                                .map(c -> new CallView(c.name(), c.input()))
                                .toList()))
                .toList();
    boolean scripted = !a.model().script().isEmpty();
    return new AgentView(
        a.name(),
        a.version(),
        a.description(),
        a.instructions(),
        new ModelView(
            a.model().provider(),
            a.model().id(),
            a.model().latencyMs(),
            scripted ? a.model().loop() : null,
            script,
            options(a.model().options())),
        a.tools(),
        List.of(),
        new LimitsView(
            a.limits().maxStepsPerTurn(),
            a.limits().maxTokensPerSession(),
            a.limits().maxTokensPerTurn(),
            a.limits().maxCostUsd()),
        a.busyMode().wire());
  }

  public static SessionCreatedView created(SessionState s) {
    return new SessionCreatedView(
        s.sessionId(), s.agent().name(), s.agent().version(), s.status().wire(), s.createdAt());
  }

  public static SessionView session(SessionState s) {
    Turn turn = s.turn();
    TurnView current =
        turn == null
            ? null
            : new TurnView(
                turn.turnId(),
                s.status().wire(),
                turn.startedAt(),
                turn.modelCalls(),
                turn.calls().stream()
                    .map(
                        c ->
                            new CallStateView(
                                c.callId(),
                                c.tool(),
                                c.status().name().toLowerCase(Locale.ROOT),
                                c.round()))
                    .toList());
    List<ApprovalView> approvals =
        turn == null
            ? List.of()
            : turn.calls().stream()
                .filter(c -> c.status() == ToolCallState.Status.UNKNOWN || c.awaitingApproval())
                .map(Views::approval)
                .toList();
    return new SessionView(
        s.sessionId(),
        s.status().wire(),
        new AgentRef(s.agent().name(), s.agent().version()),
        s.owner().subject(),
        s.createdAt(),
        s.updatedAt(),
        s.metadata(),
        s.messages().stream().map(Views::message).toList(),
        s.contextDropped(),
        current,
        approvals,
        usage(s.usage()),
        s.turnsStarted(),
        s.broken() ? brokenError(s) : null);
  }

  private static ErrorView brokenError(SessionState s) {
    return new ErrorView(
        "journal_broken",
        "the journal holds an event ("
            + s.journalBreak().eventType()
            + ", written "
            + s.journalBreak().eventAt()
            + ") that cannot be applied: "
            + s.journalBreak().explanation()
            + ". The session shows what it held up to there and accepts no change. GET"
            + " audit/verify names the first missing sequence number; docs/operations.md says what"
            + " to do.");
  }

  /** The gaps in a page of events that follows sequence number {@code after}. */
  public static List<MissingView> missing(long after, List<EventView> page) {
    List<MissingView> gaps = new ArrayList<>();
    long expected = after + 1;
    for (EventView e : page) {
      if (e.seq() > expected) {
        gaps.add(new MissingView(expected, e.seq() - 1));
      }
      expected = e.seq() + 1;
    }
    return gaps;
  }

  public static AuditVerifyView verification(ChainVerification.Result r) {
    return new AuditVerifyView(
        r.valid(),
        r.events(),
        r.headHash(),
        r.firstMissingSeq(),
        r.firstInvalidSeq(),
        r.problem() == null ? null : r.problem().wire(),
        r.reason(),
        r.unkeyedEvents());
  }

  private static MessageView message(ChatMessage m) {
    return new MessageView(
        m.role().name().toLowerCase(Locale.ROOT),
        m.text(),
        m.toolUses().stream().map(u -> new ToolCallView(u.id(), u.name(), u.input())).toList(),
        m.toolResults().stream()
            .map(r -> new ToolResultView(r.toolUseId(), r.content(), r.error()))
            .toList());
  }

  public static UsageView usage(Usage u) {
    return new UsageView(
        u.inputTokens(),
        u.outputTokens(),
        u.cacheRead(),
        u.cacheWrite(),
        u.totalTokens(),
        u.costUsd());
  }

  public static TurnResultView turnResult(TurnOutcome o) {
    List<ApprovalView> approvals = o.decisions().stream().map(Views::approval).toList();
    ErrorView error = o.errorCode() == null ? null : new ErrorView(o.errorCode(), o.errorMessage());
    return new TurnResultView(
        o.turnId(),
        o.status().wire(),
        o.output(),
        approvals,
        usage(o.usage()),
        error,
        o.stopReason());
  }

  private static ApprovalView approval(ToolCallState c) {
    return c.awaitingApproval()
        ? new ApprovalView(
            c.approval().approvalId(),
            c.tool(),
            c.input(),
            c.approval().reason(),
            "approval",
            c.approval().approvers(),
            c.approval().expiresAt())
        : new ApprovalView(
            c.callId(),
            c.tool(),
            c.input(),
            c.errorMessage(),
            "outcome_unknown",
            List.of(Role.APPROVER.wire(), Role.OPERATOR.wire()),
            null);
  }

  public static QueuedApprovalView queued(ApprovalQueue.Entry e) {
    JsonNode input;
    try {
      input = Json.MAPPER.readTree(e.inputJson() == null ? "{}" : e.inputJson());
    } catch (Exception ex) {
      input = Json.object();
    }
    return new QueuedApprovalView(
        e.approvalId(),
        e.sessionId(),
        e.turnId(),
        e.agent(),
        e.tool(),
        input,
        e.reason(),
        e.kind().wire(),
        e.approvers(),
        e.status().wire(),
        e.requestedBy(),
        e.requestedAt(),
        e.expiresAt(),
        e.decidedBy(),
        e.decidedAt());
  }

  private static ApprovalView approval(PendingDecision d) {
    return new ApprovalView(
        d.id(), d.tool(), d.input(), d.reason(), d.kind(), d.approvers(), d.expiresAt());
  }

  public static SessionSummaryView summary(SessionDirectory.Entry e) {
    return new SessionSummaryView(
        e.sessionId(),
        e.agent(),
        e.agentVersion(),
        e.status().wire(),
        e.lastTurnId(),
        e.createdAt(),
        e.updatedAt());
  }

  /**
   * An event as the audit trail shows it: its payload without the metadata, plus its chain link.
   */
  public static EventView event(long seq, ChainedEvent e) {
    ObjectNode data = Json.MAPPER.valueToTree(e);
    data.remove("meta");
    maskHeaders(data);
    return new EventView(
        seq,
        e.getClass().getSimpleName(),
        e.meta().at(),
        e.meta().actor(),
        data,
        e.meta().prevHash(),
        AuditChain.hash(e));
  }

  /**
   * The same view from an event's stored form (its type, canonical JSON and hash), as a session
   * sends it to live streams: what {@link #event} gives for the event read from the journal.
   */
  public static EventView storedEvent(long seq, String type, String json, String hash) {
    ObjectNode data;
    try {
      data = (ObjectNode) Json.MAPPER.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("a stored " + type + " is not a JSON object", e);
    }
    JsonNode meta = data.remove("meta");
    maskHeaders(data);
    return new EventView(
        seq,
        type,
        Instant.parse(meta.get("at").asText()),
        meta.path("actor").asText(null),
        data,
        meta.path("prevHash").asText(null),
        hash);
  }

  private static JsonNode maskedHeader(HeaderValue v) {
    return v instanceof HeaderValue.SecretRef ref
        ? Json.object().put("secret", ref.name())
        : TextNode.valueOf(REDACTED);
  }

  /**
   * Masks the values of every {@code headers} object in an event's payload, at any depth (the tool
   * specs {@code SessionCreated} pins, and whatever carries headers later), and of every {@code
   * env} object (the stdio MCP servers those specs name): only a secret reference's name is kept.
   * The journal keeps what it keeps; this is what a reader is shown.
   */
  private static void maskHeaders(JsonNode node) {
    if (node instanceof ObjectNode o) {
      o.properties()
          .forEach(
              f -> {
                if ((f.getKey().equalsIgnoreCase("headers") || f.getKey().equals("env"))
                    && f.getValue() instanceof ObjectNode h) {
                  List<String> names = new ArrayList<>();
                  h.fieldNames().forEachRemaining(names::add);
                  names.forEach(n -> h.set(n, maskedHeaderJson(h.get(n))));
                } else {
                  maskHeaders(f.getValue());
                }
              });
    } else if (node.isArray()) {
      node.forEach(Views::maskHeaders);
    }
  }

  private static JsonNode maskedHeaderJson(JsonNode v) {
    JsonNode name = v.get("secret");
    return v.isObject() && v.size() == 1 && name != null && name.isTextual()
        ? Json.object().put("secret", name.asText())
        : TextNode.valueOf(REDACTED);
  }
}

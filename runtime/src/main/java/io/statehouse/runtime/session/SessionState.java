package io.statehouse.runtime.session;

import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.approval.ApprovalQueue.Status;
import io.statehouse.runtime.audit.AuditChain;
import io.statehouse.runtime.audit.Integrity;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.catalog.WorkspaceTarget;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.ToolResultBlock;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.SessionEvent.ApprovalDenied;
import io.statehouse.runtime.session.SessionEvent.ApprovalGranted;
import io.statehouse.runtime.session.SessionEvent.ApprovalRequested;
import io.statehouse.runtime.session.SessionEvent.MessageQueued;
import io.statehouse.runtime.session.SessionEvent.ModelCallStarted;
import io.statehouse.runtime.session.SessionEvent.ModelReplied;
import io.statehouse.runtime.session.SessionEvent.OutcomeDecided;
import io.statehouse.runtime.session.SessionEvent.QueuedTurnStarted;
import io.statehouse.runtime.session.SessionEvent.SessionClosed;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionEvent.ToolCallDenied;
import io.statehouse.runtime.session.SessionEvent.ToolCallFailed;
import io.statehouse.runtime.session.SessionEvent.ToolCallOutcomeUnknown;
import io.statehouse.runtime.session.SessionEvent.ToolCallStarted;
import io.statehouse.runtime.session.SessionEvent.ToolCallSucceeded;
import io.statehouse.runtime.session.SessionEvent.TurnCancelled;
import io.statehouse.runtime.session.SessionEvent.TurnCompleted;
import io.statehouse.runtime.session.SessionEvent.TurnFailed;
import io.statehouse.runtime.session.SessionEvent.TurnResumed;
import io.statehouse.runtime.session.SessionEvent.UserMessageAdded;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

/**
 * Everything a session knows, rebuilt from its events. Immutable: {@link #apply} returns the next
 * state and has no side effects, so replaying the journal always gives the same state.
 *
 * @param turn the turn in progress, or null
 * @param recentTurns the last finished turns, oldest first: as many as the fold is given ({@code
 *     statehouse.session.idempotency-key-turns}, {@value #RECENT_TURNS_KEPT} by default)
 * @param auditHead the hash of the last applied event ({@link AuditChain#GENESIS} before any)
 * @param journalBreak set when an event did not link to the one before it; nothing after it is
 *     applied (null in every sound journal)
 * @param decided the ids of the last {@value #DECIDED_KEPT} approvals and unknown outcomes a human
 *     (or a deadline) decided, so that a second decision is told it came too late
 * @param keyed whether an applied event carried a MAC: from then on an event without one breaks the
 *     session ({@link JournalBreak#UNKEYED_AFTER_KEYED})
 * @param events how many events were applied (the sequence number of the last one, while the
 *     session is not broken): recovery compares it with the journal's, so that a snapshot older
 *     than its place in the journal is not taken for the present
 * @param usageByDay what the model calls used on the last {@value #USAGE_DAYS_KEPT} days with
 *     calls, oldest first, for the tenant's usage report (empty in snapshots taken before it was
 *     kept)
 * @param queued messages sent during a running turn to an agent that queues them, oldest first:
 *     each starts its turn when the one before ends
 * @param messages the working context: the conversation the next model call sends, at most the
 *     fold's {@link Retention#contextMessages} messages when a turn starts (whole turns are dropped
 *     from the front; the turn that starts is never cut). The whole conversation is the journal.
 * @param contextDropped how many messages of the conversation came before {@code messages}
 * @param toolUses how many tool uses the model asked for in the whole session (in snapshots taken
 *     before it was kept: counted from their messages, which then held the whole conversation)
 */
public record SessionState(
    String sessionId,
    Principal owner,
    AgentSpec agent,
    List<ToolSpec> tools,
    Map<String, String> metadata,
    Instant createdAt,
    Instant updatedAt,
    boolean closed,
    List<ChatMessage> messages,
    Turn turn,
    List<TurnRecord> recentTurns,
    Usage usage,
    long turnsStarted,
    String auditHead,
    JournalBreak journalBreak,
    List<String> decided,
    boolean keyed,
    long events,
    List<DailyUsage> usageByDay,
    List<QueuedMessage> queued,
    long contextDropped,
    Long toolUses)
    implements CborSerializable {

  /**
   * Days of usage kept: today's, and the day before, whose final figure a turn running over
   * midnight may not have reported yet.
   */
  public static final int USAGE_DAYS_KEPT = 2;

  /**
   * How many finished turns are remembered for idempotent replays and late waits by default ({@code
   * statehouse.session.idempotency-key-turns}).
   */
  public static final int RECENT_TURNS_KEPT = 100;

  /**
   * The most finished turns a session may be configured to remember: each one, with its answer,
   * lives in the session's memory and snapshots.
   */
  public static final int MAX_RECENT_TURNS_KEPT = 10_000;

  /**
   * The working context's default bound in messages ({@code statehouse.session.context-messages}):
   * about 100 turns of one tool call each.
   */
  public static final int DEFAULT_CONTEXT_MESSAGES = 400;

  /** How many decided approval and outcome ids are remembered. */
  public static final int DECIDED_KEPT = 100;

  public SessionState {
    tools = tools == null ? List.of() : List.copyOf(tools);
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    // a persistent vector: appending a message shares the rest instead of copying the conversation
    messages =
        messages == null
            ? TreePVector.empty()
            : messages instanceof TreePVector<ChatMessage> shared
                ? shared
                : TreePVector.from(messages);
    recentTurns = recentTurns == null ? List.of() : List.copyOf(recentTurns);
    usage = usage == null ? Usage.ZERO : usage;
    auditHead = auditHead == null ? AuditChain.GENESIS : auditHead;
    decided = decided == null ? List.of() : List.copyOf(decided);
    usageByDay = usageByDay == null ? List.of() : List.copyOf(usageByDay);
    queued = queued == null ? List.of() : List.copyOf(queued);
    if (toolUses == null) {
      long n = 0;
      for (ChatMessage m : messages) {
        n += m.toolUses().size();
      }
      toolUses = n;
    }
  }

  /**
   * What the fold keeps, the same for every event of a session (the node's settings), so that it
   * stays a function of the journal.
   *
   * @param turnsKept how many finished turns are remembered ({@code
   *     statehouse.session.idempotency-key-turns})
   * @param contextMessages the working context's bound in messages ({@code
   *     statehouse.session.context-messages})
   */
  public record Retention(int turnsKept, int contextMessages) {
    public static final Retention DEFAULT =
        new Retention(RECENT_TURNS_KEPT, DEFAULT_CONTEXT_MESSAGES);

    public Retention {
      if (turnsKept < 1 || contextMessages < 1) {
        throw new IllegalArgumentException(
            "turnsKept and contextMessages must be positive: "
                + turnsKept
                + ", "
                + contextMessages);
      }
    }
  }

  public static SessionState empty() {
    return new SessionState(
        null,
        null,
        null,
        List.of(),
        Map.of(),
        null,
        null,
        false,
        List.of(),
        null,
        List.of(),
        Usage.ZERO,
        0,
        AuditChain.GENESIS,
        null,
        List.of(),
        false,
        0,
        List.of(),
        List.of(),
        0,
        0L);
  }

  public boolean exists() {
    return sessionId != null;
  }

  public SessionStatus status() {
    if (journalBreak != null) {
      return SessionStatus.BROKEN;
    }
    if (closed) {
      return SessionStatus.CLOSED;
    }
    if (turn == null) {
      return SessionStatus.IDLE;
    }
    if (turn.anyCallUnknown()) {
      return SessionStatus.NEEDS_DECISION;
    }
    return turn.anyCallAwaitingApproval() && turn.quiescent()
        ? SessionStatus.AWAITING_APPROVAL
        : SessionStatus.RUNNING;
  }

  /** Whether approval or unknown outcome {@code id} was decided (recently enough to remember). */
  public boolean wasDecided(String id) {
    return decided.contains(id);
  }

  /** After a restart, something of the current turn was in flight and must be driven again. */
  public boolean hasWorkInFlight() {
    return journalBreak == null && !closed && turn != null && !turn.quiescent();
  }

  public Optional<ToolSpec> tool(String name) {
    return tools.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /**
   * The team workspace and role this session plays, when a team run opened it: its pinned workspace
   * tools say so.
   */
  public Optional<WorkspaceTarget> member() {
    for (ToolSpec t : tools) {
      if (t.workspace() != null) {
        return Optional.of(t.workspace());
      }
    }
    return Optional.empty();
  }

  /**
   * A turn a client idempotency key started: its id, and the hash of the message that started it
   * (null when not known, for turns recorded before it was kept).
   */
  public record KeyUse(String turnId, String requestHash) {
    /** Whether {@code content} is the message the key was first used for. */
    public boolean sameRequest(String content) {
      return requestHash == null || requestHash.equals(SessionState.requestHash(content));
    }
  }

  /** The finished or current turn that a client idempotency key started, if remembered. */
  public Optional<KeyUse> keyUse(String idempotencyKey) {
    return keyUse(idempotencyKey, Instant.MIN, MAX_RECENT_TURNS_KEPT);
  }

  /**
   * The current turn a client idempotency key started, or a finished one that is among the last
   * {@code turnsKept} finished turns and ended at or after {@code endedSince} (the key's window): a
   * key older than that starts a new turn. The count is checked here as well as in the fold, so a
   * state recovered from a snapshot taken under a larger setting obeys the current one.
   */
  public Optional<KeyUse> keyUse(String idempotencyKey, Instant endedSince, int turnsKept) {
    if (idempotencyKey == null) {
      return Optional.empty();
    }
    if (turn != null && idempotencyKey.equals(turn.idempotencyKey())) {
      return Optional.of(new KeyUse(turn.turnId(), requestHash(lastUserMessage())));
    }
    for (QueuedMessage q : queued) {
      if (idempotencyKey.equals(q.idempotencyKey())) {
        return Optional.of(new KeyUse(q.turnId(), requestHash(q.content())));
      }
    }
    return recentTurns
        .subList(Math.max(0, recentTurns.size() - turnsKept), recentTurns.size())
        .stream()
        .filter(t -> idempotencyKey.equals(t.idempotencyKey()))
        .filter(t -> t.endedAt() == null || !t.endedAt().isBefore(endedSince))
        .map(t -> new KeyUse(t.turnId(), t.requestHash()))
        .findFirst();
  }

  public Optional<String> turnIdForKey(String idempotencyKey) {
    return keyUse(idempotencyKey).map(KeyUse::turnId);
  }

  /** SHA-256 of a user message, as idempotency keys remember it. */
  public static String requestHash(String content) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(content.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** The text of the latest user message: during a turn, the one that started it. */
  private String lastUserMessage() {
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.get(i).role() == ChatMessage.Role.USER) {
        return messages.get(i).text();
      }
    }
    return "";
  }

  /** The queued message that will start turn {@code turnId}, if it waits. */
  public Optional<QueuedMessage> queuedTurn(String turnId) {
    return queued.stream().filter(q -> q.turnId().equals(turnId)).findFirst();
  }

  public Optional<TurnRecord> finishedTurn(String turnId) {
    return recentTurns.stream().filter(t -> t.turnId().equals(turnId)).findFirst();
  }

  /** Whether an event failed to link to the one before it (see {@link JournalBreak}). */
  public boolean broken() {
    return journalBreak != null;
  }

  /** The next state after {@code event}, with the default {@link Retention}. */
  public SessionState apply(SessionEvent event) {
    return apply(event, Retention.DEFAULT);
  }

  /**
   * The next state after {@code event}, keeping what {@code retention} says (the node's settings,
   * the same for every event: the fold stays a function of the journal). An event that does not
   * link to the last applied one (its {@code prevHash} differs) breaks the session instead: the
   * state stays as it was before it.
   */
  public SessionState apply(SessionEvent event, Retention retention) {
    if (journalBreak != null) {
      return this;
    }
    Integrity integrity = AuditChain.integrity(event);
    String why = unfit(event, integrity);
    if (why != null) {
      return new Next(this, retention)
          .journalBreak(
              new JournalBreak(
                  auditHead,
                  event.getClass().getSimpleName(),
                  event.meta().prevHash(),
                  event.meta().at(),
                  why))
          .build();
    }
    return change(event, retention)
        .updatedAt(event.meta().at())
        .auditHead(AuditChain.hash(event))
        .keyed(integrity.keyed())
        .build();
  }

  /**
   * Why {@code event} cannot follow this state, or null when it can: it must link to the last
   * applied event, its MAC must match its bytes, and once events carry MACs every later one must.
   */
  private String unfit(SessionEvent event, Integrity integrity) {
    if (!auditHead.equals(event.meta().prevHash())) {
      return JournalBreak.UNLINKED;
    }
    return switch (integrity) {
      case BAD_MAC -> JournalBreak.BAD_MAC;
      case UNKNOWN_KEY -> JournalBreak.UNKNOWN_KEY;
      case UNKEYED -> keyed ? JournalBreak.UNKEYED_AFTER_KEYED : null;
      default -> null;
    };
  }

  /** {@code turn} keeping the queue entry of call {@code callId}, decided now as {@code status}. */
  private Turn decidedIn(Turn turn, String callId, Status status, String by, Instant at) {
    ToolCallState call = turn.call(callId);
    return call == null
        ? turn
        : turn.withDecided(ApprovalEntries.entry(this, turn, call, status, by, at));
  }

  private Next change(SessionEvent event, Retention retention) {
    Next next = new Next(this, retention);
    if (event instanceof SessionCreated e) {
      return next.created(e);
    }
    if (event instanceof UserMessageAdded e) {
      return next.message(ChatMessage.user(e.content()))
          .boundContext()
          .turn(
              Turn.start(
                  e.turnId(), e.idempotencyKey(), e.meta().actor(), e.roles(), e.meta().at()))
          .turnsStarted(turnsStarted + 1);
    }
    if (event instanceof MessageQueued e) {
      return next.enqueue(
          new QueuedMessage(
              e.turnId(),
              e.content(),
              e.idempotencyKey(),
              e.meta().actor(),
              e.roles(),
              e.meta().at(),
              e.blocked()));
    }
    if (event instanceof QueuedTurnStarted e) {
      QueuedMessage q = queued.get(0);
      if (!q.turnId().equals(e.turnId())) {
        throw new IllegalStateException(
            "queued turn " + e.turnId() + " started before " + q.turnId());
      }
      return next.dequeue()
          .message(ChatMessage.user(q.content()))
          .boundContext()
          .turn(Turn.start(q.turnId(), q.idempotencyKey(), q.sentBy(), q.roles(), e.meta().at()))
          .turnsStarted(turnsStarted + 1);
    }
    if (event instanceof ModelCallStarted e) {
      return next.turn(turn.withModelCallStarted(e.step()));
    }
    if (event instanceof ModelReplied e) {
      List<ToolCallState> calls =
          e.toolUses().stream()
              .map(u -> ToolCallState.requested(u.id(), u.name(), u.input()))
              .toList();
      return next.message(ChatMessage.assistant(e.text(), e.toolUses()))
          .toolUses(toolUses + e.toolUses().size())
          .turn(turn.withModelReplied(calls, e.usage(), e.stopReason()))
          .usage(usage.plus(e.usage()))
          .spent(DailyUsage.dayOf(e.meta().at()), e.usage());
    }
    if (event instanceof ToolCallStarted e) {
      return next.turn(turn.withCall(e.callId(), c -> c.running(e.idempotencyKey(), e.round())));
    }
    if (event instanceof ToolCallSucceeded e) {
      return next.callOutcome(turn.withCall(e.callId(), c -> c.succeeded(e.output())));
    }
    if (event instanceof ToolCallFailed e) {
      return next.callOutcome(turn.withCall(e.callId(), c -> c.failed(e.code(), e.message())));
    }
    if (event instanceof ToolCallOutcomeUnknown e) {
      return next.turn(turn.withCall(e.callId(), c -> c.unknown(e.reason())));
    }
    if (event instanceof TurnResumed) {
      return next;
    }
    if (event instanceof ToolCallDenied e) {
      return next.callOutcome(turn.withCall(e.callId(), c -> c.failed(e.code(), e.reason())));
    }
    if (event instanceof ApprovalRequested e) {
      ToolCallState.Approval approval =
          new ToolCallState.Approval(
              e.approvalId(), e.rule(), e.reason(), e.approvers(), e.expiresAt(), e.meta().at());
      return next.turn(turn.withCall(e.callId(), c -> c.awaiting(approval)));
    }
    if (event instanceof ApprovalGranted e) {
      return next.decided(e.approvalId())
          .turn(decidedIn(turn, e.callId(), Status.APPROVED, e.decidedBy(), e.meta().at()));
    }
    if (event instanceof ApprovalDenied e) {
      String code = e.expired() ? "approval_expired" : "approval_denied";
      Turn decided =
          decidedIn(
              turn,
              e.callId(),
              e.expired() ? Status.EXPIRED : Status.DENIED,
              e.decidedBy(),
              e.meta().at());
      return next.decided(e.approvalId())
          .callOutcome(decided.withCall(e.callId(), c -> c.failed(code, e.reason())));
    }
    if (event instanceof OutcomeDecided e) {
      Turn decided = decidedIn(turn, e.callId(), Status.RESOLVED, e.decidedBy(), e.meta().at());
      next.decided(e.callId()).turn(decided);
      return switch (e.decision()) {
        case "succeeded" ->
            next.callOutcome(decided.withCall(e.callId(), c -> c.succeeded(e.output())));
        case "failed" ->
            next.callOutcome(
                decided.withCall(
                    e.callId(),
                    c ->
                        c.failed(
                            "failed",
                            e.reason() == null
                                ? "recorded as failed by " + e.decidedBy()
                                : e.reason())));
        default -> next; // retry: the ToolCallStarted that follows runs it again
      };
    }
    if (event instanceof TurnCompleted e) {
      return next.turn(null)
          .remember(
              new TurnRecord(
                  e.turnId(),
                  turn.idempotencyKey(),
                  true,
                  e.output(),
                  null,
                  null,
                  e.usage(),
                  e.meta().at(),
                  requestHash(lastUserMessage()),
                  turn.stopReason()));
    }
    if (event instanceof TurnCancelled e) {
      return next.answerOpenToolUses("turn_cancelled: " + e.reason())
          .turn(null)
          .remember(
              new TurnRecord(
                  e.turnId(),
                  turn.idempotencyKey(),
                  false,
                  null,
                  TurnRecord.CANCELLED,
                  e.reason(),
                  turn.usage(),
                  e.meta().at(),
                  requestHash(lastUserMessage()),
                  turn.stopReason()));
    }
    if (event instanceof TurnFailed e) {
      return next.answerOpenToolUses("turn_failed: " + e.message())
          .turn(null)
          .remember(
              new TurnRecord(
                  e.turnId(),
                  turn.idempotencyKey(),
                  false,
                  null,
                  e.code(),
                  e.message(),
                  turn.usage(),
                  e.meta().at(),
                  requestHash(lastUserMessage()),
                  turn.stopReason()));
    }
    if (event instanceof SessionClosed e) {
      // queued messages never run: each one's turn ends as failed, so a caller waiting for it hears
      for (QueuedMessage q : queued) {
        next.remember(
            new TurnRecord(
                q.turnId(),
                q.idempotencyKey(),
                false,
                null,
                "session_closed",
                "the session was closed before the queued message ran",
                Usage.ZERO,
                e.meta().at(),
                requestHash(q.content()),
                null));
      }
      return next.closed();
    }
    throw new IllegalArgumentException("unknown event " + event.getClass().getName());
  }

  private static List<ToolResultBlock> resultBlocks(List<ToolCallState> calls) {
    return calls.stream()
        .map(
            c ->
                c.status() == ToolCallState.Status.SUCCEEDED
                    ? new ToolResultBlock(c.callId(), c.output(), false)
                    : new ToolResultBlock(
                        c.callId(), c.errorCode() + ": " + c.errorMessage(), true))
        .toList();
  }

  /** The state being built from this one by one event: one record per event, not one per change. */
  private static final class Next {
    private String sessionId;
    private Principal owner;
    private AgentSpec agent;
    private List<ToolSpec> tools;
    private Map<String, String> metadata;
    private Instant createdAt;
    private Instant updatedAt;
    private boolean closed;
    private List<ChatMessage> messages;
    private Turn turn;
    private List<TurnRecord> recentTurns;
    private Usage usage;
    private long turnsStarted;
    private String auditHead;
    private JournalBreak journalBreak;
    private List<String> decided;
    private boolean keyed;
    private long events;
    private List<DailyUsage> usageByDay;
    private List<QueuedMessage> queued;
    private long contextDropped;
    private long toolUses;
    private final int turnsKept;
    private final int contextMessages;

    Next(SessionState s, Retention retention) {
      this.turnsKept = retention.turnsKept();
      this.contextMessages = retention.contextMessages();
      sessionId = s.sessionId;
      owner = s.owner;
      agent = s.agent;
      tools = s.tools;
      metadata = s.metadata;
      createdAt = s.createdAt;
      updatedAt = s.updatedAt;
      closed = s.closed;
      messages = s.messages;
      turn = s.turn;
      recentTurns = s.recentTurns;
      usage = s.usage;
      turnsStarted = s.turnsStarted;
      auditHead = s.auditHead;
      journalBreak = s.journalBreak;
      decided = s.decided;
      keyed = s.keyed;
      events = s.events;
      usageByDay = s.usageByDay;
      queued = s.queued;
      contextDropped = s.contextDropped;
      toolUses = s.toolUses;
    }

    Next enqueue(QueuedMessage q) {
      List<QueuedMessage> all = new ArrayList<>(queued);
      all.add(q);
      queued = all;
      return this;
    }

    Next dequeue() {
      queued = queued.subList(1, queued.size());
      return this;
    }

    Next created(SessionCreated e) {
      sessionId = e.sessionId();
      owner = e.owner();
      agent = e.agent();
      tools = e.tools();
      metadata = e.metadata();
      createdAt = e.meta().at();
      return this;
    }

    /** Appends to the conversation; a persistent vector shares the rest instead of copying it. */
    Next message(ChatMessage message) {
      messages = ((PVector<ChatMessage>) messages).plus(message);
      return this;
    }

    /**
     * Once a turn's first message is in: while the working context is over its bound, drops its
     * oldest whole turn (a user message and what followed it, up to the next user message), never
     * the turn that starts. So a tool use is never parted from its result, and the cost of a model
     * call, a snapshot and the session's memory stop growing with the conversation.
     */
    Next boundContext() {
      int drop = 0;
      while (messages.size() - drop > contextMessages) {
        int next = nextTurnStart(messages, drop + 1);
        if (next < 0) {
          break;
        }
        drop = next;
      }
      if (drop > 0) {
        PVector<ChatMessage> kept = (PVector<ChatMessage>) messages;
        for (int i = 0; i < drop; i++) {
          kept = kept.minus(0);
        }
        messages = kept;
        contextDropped += drop;
      }
      return this;
    }

    private static int nextTurnStart(List<ChatMessage> messages, int from) {
      for (int i = from; i < messages.size(); i++) {
        if (messages.get(i).role() == ChatMessage.Role.USER) {
          return i;
        }
      }
      return -1;
    }

    Next toolUses(long n) {
      toolUses = n;
      return this;
    }

    Next turn(Turn t) {
      turn = t;
      return this;
    }

    Next usage(Usage u) {
      usage = u;
      return this;
    }

    /** Adds a model call's usage to {@code day}'s, keeping {@value #USAGE_DAYS_KEPT} days. */
    Next spent(LocalDate day, Usage call) {
      List<DailyUsage> days = new ArrayList<>(usageByDay);
      DailyUsage last = days.isEmpty() ? null : days.get(days.size() - 1);
      if (last != null && last.day().equals(day)) {
        days.set(days.size() - 1, last.plus(call));
      } else {
        days.add(new DailyUsage(day, 0, Usage.ZERO).plus(call));
      }
      days.subList(0, Math.max(0, days.size() - USAGE_DAYS_KEPT)).clear();
      usageByDay = days;
      return this;
    }

    Next turnsStarted(long n) {
      turnsStarted = n;
      return this;
    }

    Next closed() {
      closed = true;
      turn = null;
      queued = List.of();
      return this;
    }

    Next updatedAt(Instant at) {
      updatedAt = at;
      return this;
    }

    Next journalBreak(JournalBreak b) {
      journalBreak = b;
      return this;
    }

    /** The event with {@code hash} is applied: it is the chain's head, one more event counted. */
    Next auditHead(String hash) {
      auditHead = hash;
      events++;
      return this;
    }

    Next keyed(boolean eventKeyed) {
      keyed |= eventKeyed;
      return this;
    }

    /**
     * Records a tool outcome; when it was the last outstanding call of the step, the results join
     * the conversation as one tool message, in the order the model asked for them.
     */
    Next callOutcome(Turn updated) {
      turn = updated;
      return updated.allCallsResolved()
          ? message(ChatMessage.toolResults(resultBlocks(updated.calls())))
          : this;
    }

    /**
     * A turn that fails or is cancelled while tool uses are unanswered would leave the conversation
     * in a shape models reject; answer each open use with {@code reason} so the next turn starts
     * clean.
     */
    Next answerOpenToolUses(String reason) {
      if (turn == null || turn.calls().isEmpty() || turn.allCallsResolved()) {
        return this;
      }
      List<ToolResultBlock> blocks =
          turn.calls().stream()
              .map(
                  c ->
                      c.resolved()
                          ? resultBlocks(List.of(c)).get(0)
                          : new ToolResultBlock(c.callId(), reason, true))
              .toList();
      return message(ChatMessage.toolResults(blocks));
    }

    /** Keeps the last {@code turnsKept} finished turns. */
    Next remember(TurnRecord record) {
      List<TurnRecord> kept = new ArrayList<>(recentTurns);
      kept.add(record);
      // one cut, not one shift per turn: a lowered setting may drop thousands at once
      kept.subList(0, Math.max(0, kept.size() - turnsKept)).clear();
      recentTurns = kept;
      return this;
    }

    /** Remembers a decided approval or outcome id, the last {@value #DECIDED_KEPT} of them. */
    Next decided(String id) {
      List<String> kept = new ArrayList<>(decided);
      kept.add(id);
      while (kept.size() > DECIDED_KEPT) {
        kept.remove(0);
      }
      decided = kept;
      return this;
    }

    SessionState build() {
      return new SessionState(
          sessionId,
          owner,
          agent,
          tools,
          metadata,
          createdAt,
          updatedAt,
          closed,
          messages,
          turn,
          recentTurns,
          usage,
          turnsStarted,
          auditHead,
          journalBreak,
          decided,
          keyed,
          events,
          usageByDay,
          queued,
          contextDropped,
          toolUses);
    }
  }
}

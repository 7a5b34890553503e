package io.statehouse.runtime.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.Role;
import io.statehouse.runtime.audit.SealedSnapshot;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.catalog.WorkspaceTarget;
import io.statehouse.runtime.journal.JournalHealth;
import io.statehouse.runtime.journal.JournalLoss;
import io.statehouse.runtime.journal.JournalStatus.Unavailable;
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.StopReason;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.policy.guardrail.DenyMatch;
import io.statehouse.runtime.policy.guardrail.Direction;
import io.statehouse.runtime.policy.guardrail.Guardrails;
import io.statehouse.runtime.policy.guardrail.Stage;
import io.statehouse.runtime.session.SessionEvent.ModelReplied;
import io.statehouse.runtime.session.SessionEvent.SessionClosed;
import io.statehouse.runtime.session.SessionEvent.SessionCreated;
import io.statehouse.runtime.session.SessionEvent.ToolCallFailed;
import io.statehouse.runtime.session.SessionEvent.ToolCallOutcomeUnknown;
import io.statehouse.runtime.session.SessionEvent.ToolCallSucceeded;
import io.statehouse.runtime.session.SessionEvent.TurnCompleted;
import io.statehouse.runtime.session.SessionEvent.TurnFailed;
import io.statehouse.runtime.session.SessionEvent.UserMessageAdded;
import io.statehouse.runtime.stream.FeedItem;
import io.statehouse.runtime.stream.FeedWatchers;
import io.statehouse.runtime.telemetry.LogIds;
import io.statehouse.runtime.telemetry.SessionTelemetry;
import io.statehouse.runtime.telemetry.TraceParent;
import io.statehouse.runtime.tool.ToolCall;
import io.statehouse.runtime.tool.ToolResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.Recovery;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.slf4j.MDC;

/**
 * One agent session: a sharded, event-sourced actor whose journal is its whole state.
 *
 * <p>Lifecycle. Created by {@link Create}; then idle until a {@link SendMessage} starts a turn. A
 * turn alternates model calls (piped back to this actor) and tool calls (one {@link ToolCall} child
 * each) until the model answers with text, a limit is hit, or a tool's outcome becomes unknown.
 * Every step is persisted before its effect starts, and the caller hears of a turn only once its
 * first events are in the journal.
 *
 * <p>Recovery. After a crash the runtime restarts sessions that had work in flight (sharding
 * remembers entities); {@link RecoveryCompleted} sends {@link Resume}, which re-issues an in-flight
 * model call, re-runs in-flight idempotent tool calls with their original idempotency key, and
 * records {@code ToolCallOutcomeUnknown} for non-idempotent ones instead of running them twice.
 *
 * <p>One writer. A message for a session that is busy is rejected with the running turn's id, never
 * interleaved. Idle sessions passivate after {@code statehouse.session.passivate-after}.
 *
 * <p>Nothing is written past a journal the session has not read. A failed write or recovery
 * restarts the session, which reads its journal again (with backoff while it is unreachable). When
 * the node loses its journal ({@link JournalHealth}), a live session stops at once: its next
 * incarnation, started by sharding (remembered entity) or by the next message, recovers from what
 * the journal really holds before it takes a command. A journal whose events do not link ({@link
 * JournalBreak}) leaves the session {@code broken}: readable, refusing every change.
 */
public final class AgentSession
    extends EventSourcedBehaviorWithEnforcedReplies<
        AgentSession.Command, SessionEvent, SessionState> {

  public static final EntityTypeKey<Command> ENTITY_TYPE =
      EntityTypeKey.create(Command.class, SessionId.ENTITY_TYPE);

  /** Everything a session accepts. */
  public sealed interface Command extends CborSerializable {}

  /** A command whose caller waits for an answer. */
  public sealed interface Request<R> extends Command {
    ActorRef<StatusReply<R>> replyTo();
  }

  /** Opens the session. Replies with the new state; {@code session_exists} if already open. */
  public record Create(
      Principal owner,
      AgentSpec agent,
      List<ToolSpec> tools,
      Map<String, String> metadata,
      ActorRef<StatusReply<SessionState>> replyTo)
      implements Request<SessionState> {}

  /**
   * Starts a turn. Replies once the message is persisted, with the turn id; a repeated idempotency
   * key replies with the turn it started. Rejected with {@code turn_in_progress} (and the running
   * turn id) while another turn runs. {@code trace}: the caller's W3C trace context, which the
   * turn's span continues (null: none); it is never persisted.
   */
  public record SendMessage(
      Principal principal,
      String content,
      String idempotencyKey,
      TraceParent trace,
      ActorRef<StatusReply<TurnAccepted>> replyTo)
      implements Request<TurnAccepted> {

    /** Without a caller's trace context. */
    public SendMessage(
        Principal principal,
        String content,
        String idempotencyKey,
        ActorRef<StatusReply<TurnAccepted>> replyTo) {
      this(principal, content, idempotencyKey, null, replyTo);
    }
  }

  /**
   * Cancels the running turn (whatever its phase) at once. Replies with the cancelled turn's
   * outcome once {@code TurnCancelled} is persisted; {@code no_running_turn} when idle, {@code
   * forbidden} for anyone but the owner or an operator. With {@code agent}, only a session of that
   * agent cancels: any other answers {@code other_agent} (the kill switch of one agent).
   */
  public record Cancel(
      Principal principal, String agent, ActorRef<StatusReply<TurnOutcome>> replyTo)
      implements Request<TurnOutcome> {
    public Cancel(Principal principal, ActorRef<StatusReply<TurnOutcome>> replyTo) {
      this(principal, null, replyTo);
    }
  }

  /**
   * An operator of the session's tenant unloads it from memory now, as its idle timeout would; the
   * next request wakes it from the journal. Replies {@code Done}; {@code turn_in_progress} while a
   * turn runs (cancel it first: a running turn must not lose its node's attention), {@code
   * forbidden} for anyone but an operator.
   */
  public record Unload(Principal principal, ActorRef<StatusReply<Done>> replyTo)
      implements Request<Done> {}

  /**
   * A stream hub (one per node with live clients for this session) starts watching: from now on it
   * gets every persisted batch and the deltas of streaming answers ({@link FeedItem}). Replies with
   * the sequence number of the last persisted event, so the hub's clients read the journal up to it
   * and miss nothing between. A watched session does not passivate.
   */
  public record Watch(ActorRef<FeedItem> hub, ActorRef<StatusReply<Watching>> replyTo)
      implements Request<Watching> {}

  /** Reply to {@link Watch}: the incarnation that is watched, and its last event's number. */
  public record Watching(long lastSeq, boolean closed, ActorRef<Command> session)
      implements CborSerializable {}

  /** The hub has no client for this session any more. No reply. */
  public record Unwatch(ActorRef<FeedItem> hub) implements Command {}

  /** Internal: a watching hub stopped (its node left, or it stopped). */
  record HubGone(ActorRef<FeedItem> hub) implements Command {}

  /** Replies when the turn stops running (or at once if it already has); {@code turn_not_found}. */
  public record AwaitTurn(String turnId, ActorRef<StatusReply<TurnOutcome>> replyTo)
      implements Request<TurnOutcome> {}

  /** Replies with the whole state. */
  public record Get(ActorRef<StatusReply<SessionState>> replyTo) implements Request<SessionState> {}

  /** Closes the session (failing a running turn). Replies with the closed state. */
  public record Close(
      Principal principal, String reason, ActorRef<StatusReply<SessionState>> replyTo)
      implements Request<SessionState> {}

  /**
   * A human decides pending approval (or unknown outcome) {@code approvalId}: {@code approve} or
   * {@code deny} an approval; {@code retry} or {@code record} (with {@code outcome} {@code
   * succeeded} and {@code output}, or {@code failed}) an unknown outcome. Replies once the decision
   * is persisted, with the turn it continues. Rejected with {@code approval_not_found}, {@code
   * approval_decided}, {@code forbidden}, {@code self_approval} or {@code invalid_decision}.
   */
  public record Decide(
      Principal principal,
      String approvalId,
      String decision,
      String outcome,
      String output,
      String reason,
      ActorRef<StatusReply<TurnAccepted>> replyTo)
      implements Request<TurnAccepted> {}

  /**
   * From the durable approval timers: approval {@code approvalId} may be past its deadline. Denied
   * by timeout if it still waits and is due. Replies with what became of it, so that the timers
   * drop a deadline nothing waits for any more; {@code session_not_found} for an id nobody opened.
   */
  public record ExpireApproval(String approvalId, ActorRef<StatusReply<Expiry>> replyTo)
      implements Request<Expiry> {}

  /** What a session did with an approval's deadline. */
  public enum Expiry implements CborSerializable {
    /** It was still waiting and due: it is denied by timeout now. */
    EXPIRED,
    /** It still waits, and by the session's clock its deadline has not come. */
    NOT_DUE,
    /**
     * Nothing waits for it: it was decided, its turn ended, or the session is broken or never had
     * it. Its deadline is stale.
     */
    SETTLED
  }

  /** Internal: a model call ended. */
  record ModelResponded(String turnId, int step, ModelReply reply) implements Command {}

  /** Internal: a model call failed; {@code retryable} errors are tried again with backoff. */
  record ModelFailed(String turnId, int step, String code, String message, boolean retryable)
      implements Command {}

  /** Internal: the backoff before calling the model again is over. */
  record RetryModelCall(String turnId, int step) implements Command {}

  /** Internal: a tool-call child finished. */
  record ToolFinished(ToolCall.Finished finished) implements Command {}

  /** Internal: drive in-flight work again after recovery. */
  record Resume() implements Command {}

  /** Internal: no message for {@code passivate-after}. */
  record IdleTimeout() implements Command {}

  /** Internal: {@code read-side-interval} is over, the list entry and usage may be written. */
  record WriteReadSides() implements Command {}

  /** Sent by sharding to stop the entity (passivation, rebalance, shutdown). */
  public record Stop() implements Command {}

  /** The hand-off grace ran out, or the last running tool call's answer is recorded: stop now. */
  record HandOffNow() implements Command {}

  /** The rejection a waiting {@link AwaitTurn} gets when the session stops under it. */
  public static final String MOVING = "session_moving";

  /** Internal: the node lost its journal at {@code since}; stop and recover when it is back. */
  record JournalLost(String reason, Instant since) implements Command {}

  /**
   * Reply to {@link SendMessage}. {@code replayed}: an earlier message with the same key; {@code
   * queued}: the turn waits for those before it (an agent that queues messages).
   */
  public record TurnAccepted(String turnId, boolean replayed, boolean queued)
      implements CborSerializable {
    public TurnAccepted(String turnId, boolean replayed) {
      this(turnId, replayed, false);
    }
  }

  /** Where a turn stands; when it waits for humans, the decisions it waits for. */
  public record TurnOutcome(
      String turnId,
      TurnStatus status,
      String output,
      String errorCode,
      String errorMessage,
      Usage usage,
      List<PendingDecision> decisions,
      String stopReason)
      implements CborSerializable {}

  /**
   * A tool call a human must decide on: {@code kind} {@code approval} (a policy rule asks for it)
   * or {@code outcome_unknown}; {@code approvers} are the roles that may decide.
   */
  public record PendingDecision(
      String id,
      String tool,
      JsonNode input,
      String reason,
      String kind,
      List<String> approvers,
      Instant expiresAt)
      implements CborSerializable {}

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final SessionId id;
  private final SessionDeps deps;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final SessionEffects effects;
  // the stream hubs watching this incarnation
  private final FeedWatchers feed;
  // told of every persisted batch, in this order, before its effects start
  private final List<SessionListener> listeners;
  // this incarnation's metrics and spans (SessionTelemetry.NONE when the node keeps neither)
  private final SessionTelemetry telemetry;
  // what log lines written while this session works carry (SLF4J MDC), and the turn they name
  private Map<String, String> logIds;
  private String loggedTurn;
  // callers waiting for a turn to stop running; lives only as long as this incarnation
  private final Map<String, List<ActorRef<StatusReply<TurnOutcome>>>> waiters = new HashMap<>();
  // sharding asked this incarnation to stop while a tool call ran: it records the call's answer,
  // starts nothing new, then stops (onStop)
  private boolean handingOff;
  private int modelFailuresThisStep;
  // when this incarnation finished reading its journal; a loss reported before then is stale
  private Instant recoveredAt = Instant.MAX;
  // set by the snapshot adapter while recovering: the state came from a snapshot (a trusted one),
  // or the snapshot found could not be used (what was wrong with it)
  private boolean fromSnapshot;
  private String unusableSnapshot;
  // this incarnation found its snapshot unusable and hands every command to the next one
  private boolean handingOver;

  private AgentSession(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      SessionId id,
      SessionDeps deps,
      ActorRef<ClusterSharding.ShardCommand> shard) {
    // a failed journal write restarts the session, which then recovers and resumes from the journal
    super(
        id.persistenceId(),
        SupervisorStrategy.restartWithBackoff(
            deps.settings().journalRetryMin(), deps.settings().journalRetryMax(), 0.2));
    this.context = context;
    this.timers = timers;
    this.id = id;
    this.deps = deps;
    this.shard = shard;
    this.feed = new FeedWatchers(id.persistenceId().id());
    this.telemetry = deps.telemetry().forSession(id, deps.clock());
    this.logIds = Map.of(LogIds.TENANT, id.tenant(), LogIds.SESSION, id.id());
    this.effects =
        new SessionEffects(
            context,
            id,
            deps,
            context.messageAdapter(ToolCall.Finished.class, ToolFinished::new),
            feed,
            telemetry);
    // live streams first: a streaming model call's deltas must not overtake the events they follow
    List<SessionListener> all = new ArrayList<>();
    all.add((before, after, events, seq) -> feed.events(events, seq));
    if (telemetry.active()) {
      // before the effects' read-side writes, so that the journal's write time is not inflated
      all.add(telemetry);
    }
    all.add(effects::persisted);
    all.add((before, after, events, seq) -> notifyWaiters(after));
    all.add(this::tellWorkspace);
    this.listeners = List.copyOf(all);
  }

  /**
   * The session behavior. {@code shard} is the sharding shard to ask for passivation, or null when
   * the session runs outside sharding (behaviour tests).
   */
  public static Behavior<Command> create(
      SessionId id, SessionDeps deps, ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  ctx.setReceiveTimeout(deps.settings().passivateAfter(), new IdleTimeout());
                  JournalLoss.subscribe(ctx, lost -> new JournalLost(lost.reason(), lost.since()));
                  return new AgentSession(ctx, timers, id, deps, shard).withLogIds();
                }));
  }

  /**
   * This session with its ids (and its running turn's) in the MDC of every log line it writes:
   * around every message it handles, the journal's replies included, since effects start there.
   */
  @SuppressWarnings("unchecked")
  private Behavior<Command> withLogIds() {
    Behavior<Object> any = (Behavior<Object>) (Behavior<?>) this;
    return (Behavior<Command>)
        (Behavior<?>) Behaviors.withMdc(Object.class, message -> logIds, any);
  }

  /** Log lines from now on name {@code turn} (or no turn). */
  private void logTurn(Turn turn) {
    String turnId = turn == null ? null : turn.turnId();
    if (Objects.equals(turnId, loggedTurn)) {
      return;
    }
    loggedTurn = turnId;
    logIds =
        turnId == null
            ? Map.of(LogIds.TENANT, id.tenant(), LogIds.SESSION, id.id())
            : Map.of(LogIds.TENANT, id.tenant(), LogIds.SESSION, id.id(), LogIds.TURN, turnId);
    // and the rest of the message being handled
    if (turnId == null) {
      MDC.remove(LogIds.TURN);
    } else {
      MDC.put(LogIds.TURN, turnId);
    }
  }

  @Override
  public SessionState emptyState() {
    return SessionState.empty();
  }

  /**
   * Snapshots are stored sealed with the audit key ({@link SealedSnapshot}). One that cannot be
   * vouched for yields the empty state, so that nothing acts on it; recovery then hands over to an
   * incarnation that reads the journal alone ({@link #recovery()}).
   */
  @Override
  public SnapshotAdapter<SessionState> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(SessionState state) {
        return SealedSnapshot.of(state);
      }

      @Override
      public SessionState fromJournal(Object from) {
        if (from instanceof SealedSnapshot sealed && sealed.trusted()) {
          fromSnapshot = true;
          return sealed.state();
        }
        unusableSnapshot =
            from instanceof SealedSnapshot sealed
                ? switch (sealed.integrity()) {
                  case BAD_MAC -> "its MAC does not match its stored bytes";
                  case UNKNOWN_KEY -> "it is sealed with an audit key this node does not hold";
                  default -> "this version cannot read it";
                }
                : "it is not sealed (written before snapshots were, or by someone else)";
        return SessionState.empty();
      }
    };
  }

  /** The journal alone, without snapshots, once this node found the session's snapshot unusable. */
  @Override
  public Recovery recovery() {
    return SnapshotDistrust.of(context.getSystem()).distrusts(id.entityId())
        ? Recovery.withSnapshotSelectionCriteria(SnapshotSelectionCriteria.none())
        : super.recovery();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(
        snapshotInterval(id, deps.settings().snapshotEvery()), deps.settings().keepSnapshots());
  }

  /**
   * How many events apart this session's snapshots are: from {@code every} up to half as many
   * again, fixed per session by its id. Sessions that start together and run at the same pace (a
   * fan-out of like tasks, a load test) would otherwise all write a snapshot in the same few
   * seconds, a burst of large writes on top of their turns, again at every multiple of {@code
   * every}.
   */
  static int snapshotInterval(SessionId id, int every) {
    int spread = every / 2;
    if (spread <= 1) {
      return every;
    }
    // String.hashCode is fixed by the JLS, so a session keeps its interval across nodes and
    // restarts; the multiply and shift mix the low bits, which ids sharing a prefix barely vary
    int h = id.entityId().hashCode() * 0x9E3779B9;
    return every + Math.floorMod(h ^ (h >>> 16), spread);
  }

  /** The events that change what the session list shows. */
  static boolean changesListing(SessionEvent event) {
    return event instanceof SessionCreated
        || event instanceof UserMessageAdded
        || event instanceof TurnCompleted
        || event instanceof TurnFailed
        || event instanceof SessionEvent.TurnCancelled
        || event instanceof SessionEvent.QueuedTurnStarted
        || event instanceof ToolCallOutcomeUnknown
        || event instanceof SessionEvent.ApprovalRequested
        || event instanceof SessionEvent.ApprovalGranted
        || event instanceof SessionEvent.ApprovalDenied
        || event instanceof SessionEvent.OutcomeDecided
        || event instanceof SessionClosed;
  }

  @Override
  public SignalHandler<SessionState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.class,
            (state, signal) -> {
              String snapshotProblem = snapshotProblem(state);
              fromSnapshot = false;
              unusableSnapshot = null;
              if (snapshotProblem != null) {
                handOver(snapshotProblem);
                return;
              }
              recoveredAt = Instant.now();
              logTurn(state.turn());
              telemetry.recovered(state);
              if (state.broken()) {
                context
                    .getLog()
                    .error(
                        "Session {} is broken: event {} of its journal cannot be applied ({}; see"
                            + " docs/operations.md). It is readable and accepts no change.",
                        id.id(),
                        state.journalBreak().eventType(),
                        state.journalBreak().reason());
              }
              if (state.exists()) {
                // repairs an entry a crash may have left behind its journal. A broken session
                // never writes again, so its entry is ordered just after its last event: it must
                // win over the entry that event wrote
                effects.recordListing(
                    state, lastSequenceNumber(context) + (state.broken() ? 1 : 0));
                // repairs queue entries (and their deadlines) a crash may have left behind
                effects.recordTurnApprovals(state, lastSequenceNumber(context));
                // and usage figures a crash may have left unreported
                effects.recordUsage(state, lastSequenceNumber(context));
              }
              if (state.hasWorkInFlight()) {
                context.getSelf().tell(new Resume());
              }
            })
        .onSignal(
            PostStop.class,
            (state, signal) -> {
              effects.stopped();
              telemetry.stopped();
            })
        .build();
  }

  @Override
  public EventHandler<SessionState, SessionEvent> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onAnyEvent((s, e) -> s.apply(e, deps.settings().retention()));
  }

  @Override
  public CommandHandlerWithReply<Command, SessionEvent, SessionState> commandHandler() {
    // One method, not Pekko's handler builder: the builder makes about 4 KiB of cases and lambdas
    // per session (a third of an idle session's heap), and tries them one by one for every command.
    // The groups below are tried in order, as the builder's would be: a group whose state matches
    // but that has no case for the command lets the next groups try it.
    return this::handle;
  }

  private ReplyEffect<SessionEvent, SessionState> handle(SessionState s, Command c) {
    // an incarnation that found its snapshot unusable acts on nothing: the next one, which reads
    // the journal alone, gets every command
    if (handingOver) {
      if (c instanceof Stop) {
        return Effect().stop().thenNoReply();
      }
      if (c instanceof IdleTimeout || c instanceof WriteReadSides || c instanceof JournalLost) {
        return Effect().noReply();
      }
      return toNextIncarnation(s, c);
    }
    // a broken session writes nothing: requests are refused, late internal messages dropped
    if (s.broken()) {
      if (c instanceof SendMessage
          || c instanceof Close
          || c instanceof AwaitTurn
          || c instanceof Decide
          || c instanceof Cancel) {
        return rejectBroken(s, (Request<?>) c);
      }
      if (c instanceof ModelResponded
          || c instanceof ModelFailed
          || c instanceof RetryModelCall
          || c instanceof ToolFinished
          || c instanceof Resume) {
        return Effect().noReply();
      }
      if (c instanceof ExpireApproval e) {
        return settled(e);
      }
    }
    if (!s.exists() && c instanceof Create create) {
      return onCreate(s, create);
    }
    if (s.exists() && s.status() == SessionStatus.IDLE && c instanceof SendMessage m) {
      return onMessageWhenIdle(s, m);
    }
    if (!s.closed() && s.turn() != null) {
      ReplyEffect<SessionEvent, SessionState> inTurn = inTurn(s, c);
      if (inTurn != null) {
        return inTurn;
      }
    }
    if (s.closed() && c instanceof SendMessage m) {
      return reject(m, new Rejection("session_closed", "session " + id.id() + " is closed"));
    }
    if (s.exists()) {
      ReplyEffect<SessionEvent, SessionState> existing = whenExists(s, c);
      if (existing != null) {
        return existing;
      }
    }
    if (c instanceof Unwatch u) {
      return unwatch(u.hub());
    }
    if (c instanceof HubGone g) {
      return unwatch(g.hub());
    }
    if (c instanceof JournalLost l) {
      return onJournalLost(s, l);
    }
    if (c instanceof IdleTimeout t) {
      return onIdle(s, t);
    }
    if (c instanceof WriteReadSides) {
      effects.readSidesDue();
      return Effect().noReply();
    }
    if (c instanceof Stop stop) {
      return onStop(s, stop);
    }
    if (c instanceof HandOffNow) {
      return stopNow();
    }
    return onNotApplicable(s, c);
  }

  /** A command for a session with a turn in progress, or null when it is not one of those. */
  private ReplyEffect<SessionEvent, SessionState> inTurn(SessionState s, Command c) {
    if (c instanceof SendMessage m) {
      return onMessageWhenBusy(s, m);
    }
    if (c instanceof Decide d) {
      return onDecide(s, d);
    }
    if (c instanceof ExpireApproval e) {
      return onExpireApproval(s, e);
    }
    if (c instanceof ModelResponded r) {
      return onModelResponded(s, r);
    }
    if (c instanceof ModelFailed f) {
      return onModelFailed(s, f);
    }
    if (c instanceof RetryModelCall r) {
      return onRetryModelCall(s, r);
    }
    if (c instanceof ToolFinished f) {
      return onToolFinished(s, f);
    }
    if (c instanceof Resume r) {
      return onResume(s, r);
    }
    if (c instanceof Cancel x) {
      return onCancel(s, x);
    }
    return null;
  }

  /** A command for a session that exists, or null when it is not one of those. */
  private ReplyEffect<SessionEvent, SessionState> whenExists(SessionState s, Command c) {
    if (c instanceof Create create) {
      return reject(create, new Rejection("session_exists", "session exists"));
    }
    if (c instanceof Get g) {
      return Effect().reply(g.replyTo(), StatusReply.success(s));
    }
    if (c instanceof AwaitTurn a) {
      return onAwaitTurn(s, a);
    }
    if (c instanceof Close x) {
      return onClose(s, x);
    }
    if (c instanceof Decide d) {
      return onDecideWithoutTurn(s, d);
    }
    if (c instanceof ExpireApproval e) {
      return settled(e);
    }
    if (c instanceof Cancel x) {
      return onCancelWithoutTurn(s, x);
    }
    if (c instanceof Unload u) {
      return onUnload(s, u);
    }
    if (c instanceof Watch w) {
      return onWatch(s, w);
    }
    return null;
  }

  // ---- opening and messages -------------------------------------------------------------------

  private ReplyEffect<SessionEvent, SessionState> onCreate(SessionState s, Create c) {
    EventBatch b = batch(s);
    b.add(
        new SessionCreated(
            b.meta(c.owner().actor()), id.id(), c.owner(), c.agent(), c.tools(), c.metadata()));
    return Effect()
        .persist(b.events())
        .thenRun(st -> drive(s, st, b))
        .thenReply(c.replyTo(), StatusReply::success);
  }

  private ReplyEffect<SessionEvent, SessionState> onMessageWhenIdle(SessionState s, SendMessage c) {
    if (!c.principal().mayUseSessionOf(s.owner())) {
      return reject(c, forbidden(s, "send messages to"));
    }
    Optional<ReplyEffect<SessionEvent, SessionState>> repeated =
        repeatedKey(s, c, storedMessage(s, c.content()).text());
    if (repeated.isPresent()) {
      return repeated.get();
    }
    return startTurn(s, batch(s), c);
  }

  /** Adds the message that starts a turn to {@code b} (and its first model call), and persists. */
  private ReplyEffect<SessionEvent, SessionState> startTurn(
      SessionState s, EventBatch b, SendMessage c) {
    StoredMessage message = storedMessage(b.state(), c.content());
    String turnId = newTurnId();
    telemetry.expectTurn(turnId, c.trace());
    b.add(
        new UserMessageAdded(
            b.meta(c.principal().actor()),
            turnId,
            message.text(),
            c.idempotencyKey(),
            c.principal().roles()));
    if (message.blocked().isPresent()) {
      b.add(
          new TurnFailed(
              b.meta("runtime"),
              turnId,
              "guardrail_denied",
              blockedReason(message.blocked().get())));
    } else {
      b.nextModelCallOrFail();
    }
    return Effect()
        .persist(b.events())
        .thenRun(st -> drive(s, st, b))
        .thenReply(c.replyTo(), st -> StatusReply.success(new TurnAccepted(turnId, false)));
  }

  private static String newTurnId() {
    return "turn_" + UUID.randomUUID().toString().replace("-", "");
  }

  private static String blockedReason(DenyMatch match) {
    return "the message was blocked by guardrail " + match.rule() + ": " + match.reason();
  }

  /** A user message as the journal keeps it, and the deny rule that blocked it, if one did. */
  private record StoredMessage(String text, Optional<DenyMatch> blocked) {}

  /**
   * What the journal keeps of a user message: the message as the agent's guardrails redact it, or,
   * when a deny rule blocks it, only that it was blocked. Idempotency keys compare this form.
   */
  private StoredMessage storedMessage(SessionState s, String content) {
    Guardrails guardrails = deps.guardrails().of(s.agent());
    Optional<DenyMatch> blocked =
        guardrails.denies(Direction.INPUT)
            ? guardrails.denied(content, Direction.INPUT)
            : Optional.empty();
    return blocked.isPresent()
        ? new StoredMessage("[blocked by guardrail " + blocked.get().rule() + "]", blocked)
        : new StoredMessage(guardrails.redact(content, Stage.JOURNAL), blocked);
  }

  /**
   * A key this session remembers: the same message gets the turn it started (nothing is written);
   * another message under the same key is refused, never answered with the old turn.
   */
  private Optional<ReplyEffect<SessionEvent, SessionState>> repeatedKey(
      SessionState s, SendMessage c, String stored) {
    return s.keyUse(
            c.idempotencyKey(),
            deps.clock().instant().minus(deps.settings().idempotencyKeyWindow()),
            deps.settings().idempotencyKeyTurns())
        .map(
            earlier ->
                earlier.sameRequest(stored)
                    ? Effect()
                        .reply(
                            c.replyTo(),
                            StatusReply.success(
                                new TurnAccepted(
                                    earlier.turnId(),
                                    true,
                                    s.queuedTurn(earlier.turnId()).isPresent())))
                    : reject(
                        c,
                        new Rejection(
                            "idempotency_key_reused",
                            "idempotencyKey '"
                                + c.idempotencyKey()
                                + "' was used for a different message, which started turn "
                                + earlier.turnId()
                                + "; use a new key for a new message",
                            earlier.turnId())));
  }

  private ReplyEffect<SessionEvent, SessionState> onMessageWhenBusy(SessionState s, SendMessage c) {
    if (!c.principal().mayUseSessionOf(s.owner())) {
      return reject(c, forbidden(s, "send messages to"));
    }
    Optional<ReplyEffect<SessionEvent, SessionState>> repeated =
        repeatedKey(s, c, storedMessage(s, c.content()).text());
    if (repeated.isPresent()) {
      return repeated.get();
    }
    return switch (s.agent().busyMode()) {
      case ENQUEUE -> enqueue(s, c);
      case INTERRUPT -> interrupt(s, c);
      case REJECT -> reject(c, busy(s));
    };
  }

  /** Why a message cannot start a turn now: the running turn and what it waits for. */
  private static Rejection busy(SessionState s) {
    String running = s.turn().turnId();
    return switch (s.status()) {
      case NEEDS_DECISION ->
          new Rejection(
              "needs_decision",
              "turn " + running + " waits for a decision on a tool call",
              running);
      case AWAITING_APPROVAL ->
          new Rejection(
              "awaiting_approval",
              "turn " + running + " waits for the approval of a tool call",
              running);
      default ->
          new Rejection("turn_in_progress", "turn " + running + " is still running", running);
    };
  }

  /** The message waits in the journal for the turns before it; its turn id is returned now. */
  private ReplyEffect<SessionEvent, SessionState> enqueue(SessionState s, SendMessage c) {
    int max = deps.settings().maxQueuedMessages();
    if (s.queued().size() >= max) {
      return reject(
          c,
          new Rejection(
              "queue_full",
              max
                  + " messages already wait for turn "
                  + s.turn().turnId()
                  + " to end; send this one later",
              s.turn().turnId()));
    }
    StoredMessage message = storedMessage(s, c.content());
    String turnId = newTurnId();
    telemetry.expectTurn(turnId, c.trace());
    EventBatch b = batch(s);
    b.add(
        new SessionEvent.MessageQueued(
            b.meta(c.principal().actor()),
            turnId,
            message.text(),
            c.idempotencyKey(),
            c.principal().roles(),
            message.blocked().map(AgentSession::blockedReason).orElse(null)));
    return Effect()
        .persist(b.events())
        .thenRun(st -> drive(s, st, b))
        .thenReply(c.replyTo(), st -> StatusReply.success(new TurnAccepted(turnId, false, true)));
  }

  /** The running turn is cancelled and the message starts the next, in one write. */
  private ReplyEffect<SessionEvent, SessionState> interrupt(SessionState s, SendMessage c) {
    EventBatch b = batch(s);
    Turns.cancel(
        b, s, c.principal().actor(), "interrupted by a new message from " + c.principal().actor());
    return startTurn(s, b, c);
  }

  private ReplyEffect<SessionEvent, SessionState> onAwaitTurn(SessionState s, AwaitTurn c) {
    TurnOutcome outcome = Turns.outcomeOf(s, c.turnId());
    if (outcome == null) {
      return reject(
          c, new Rejection("turn_not_found", "no turn " + c.turnId() + " in this session"));
    }
    if (outcome.status().goingOn()) {
      waiters.computeIfAbsent(c.turnId(), k -> new ArrayList<>()).add(c.replyTo());
      return Effect().noReply();
    }
    return Effect().reply(c.replyTo(), StatusReply.success(outcome));
  }

  private ReplyEffect<SessionEvent, SessionState> onClose(SessionState s, Close c) {
    if (!c.principal().mayUseSessionOf(s.owner())) {
      return reject(c, forbidden(s, "close"));
    }
    if (s.closed()) {
      return Effect().reply(c.replyTo(), StatusReply.success(s));
    }
    EventBatch b = batch(s);
    b.closing();
    if (s.turn() != null) {
      b.add(
          new TurnFailed(
              b.meta(c.principal().actor()),
              s.turn().turnId(),
              "session_closed",
              "the session was closed"));
    }
    b.add(new SessionClosed(b.meta(c.principal().actor()), c.reason()));
    return Effect()
        .persist(b.events())
        .thenRun(st -> drive(s, st, b))
        .thenReply(c.replyTo(), StatusReply::success);
  }

  // ---- cancel and watchers --------------------------------------------------------------------

  private ReplyEffect<SessionEvent, SessionState> onCancel(SessionState s, Cancel c) {
    if (!c.principal().mayUseSessionOf(s.owner())) {
      return reject(c, forbidden(s, "cancel turns of"));
    }
    if (c.agent() != null && !c.agent().equals(s.agent().name())) {
      return reject(c, otherAgent(s, c.agent()));
    }
    String turnId = s.turn().turnId();
    EventBatch b = batch(s);
    Turns.cancel(b, s, c.principal().actor(), "cancelled by " + c.principal().actor());
    return Effect()
        .persist(b.events())
        .thenRun(st -> drive(s, st, b))
        .thenReply(c.replyTo(), st -> StatusReply.success(Turns.outcomeOf(st, turnId)));
  }

  private ReplyEffect<SessionEvent, SessionState> onCancelWithoutTurn(SessionState s, Cancel c) {
    if (!c.principal().mayUseSessionOf(s.owner())) {
      return reject(c, forbidden(s, "cancel turns of"));
    }
    if (c.agent() != null && s.agent() != null && !c.agent().equals(s.agent().name())) {
      return reject(c, otherAgent(s, c.agent()));
    }
    return reject(
        c,
        new Rejection("no_running_turn", "session " + id.id() + " has no running turn to cancel"));
  }

  private Rejection otherAgent(SessionState s, String agent) {
    return new Rejection(
        "other_agent", "session " + id.id() + " runs " + s.agent().name() + ", not " + agent);
  }

  private ReplyEffect<SessionEvent, SessionState> onUnload(SessionState s, Unload c) {
    if (!c.principal().tenant().equals(id.tenant()) || !c.principal().has(Role.OPERATOR)) {
      return reject(
          c,
          new Rejection(
              "forbidden", "only an operator of its tenant may unload session " + id.id()));
    }
    if (s.turn() != null) {
      return reject(
          c,
          new Rejection(
              "turn_in_progress",
              "session " + id.id() + " has a turn in progress; cancel it first",
              s.turn().turnId()));
    }
    passivate();
    return Effect().reply(c.replyTo(), StatusReply.success(Done.getInstance()));
  }

  private ReplyEffect<SessionEvent, SessionState> onWatch(SessionState s, Watch c) {
    if (feed.add(c.hub())) {
      context.watchWith(c.hub(), new HubGone(c.hub()));
    }
    return Effect()
        .reply(
            c.replyTo(),
            StatusReply.success(
                new Watching(lastSequenceNumber(context), s.closed(), context.getSelf())));
  }

  private ReplyEffect<SessionEvent, SessionState> unwatch(ActorRef<FeedItem> hub) {
    feed.remove(hub);
    context.unwatch(hub);
    return Effect().noReply();
  }

  // ---- approvals and unknown outcomes
  // ------------------------------------------------------------

  private ReplyEffect<SessionEvent, SessionState> onDecide(SessionState s, Decide c) {
    EventBatch b = batch(s);
    Optional<Rejection> refused =
        Approvals.decide(
            b,
            s,
            id,
            c.principal(),
            c.approvalId(),
            c.decision(),
            c.outcome(),
            c.output(),
            c.reason());
    if (refused.isPresent()) {
      return reject(c, refused.get());
    }
    continueIfResolved(b);
    String turnId = s.turn().turnId();
    return Effect()
        .persist(b.events())
        .thenRun(st -> drive(s, st, b))
        .thenReply(c.replyTo(), st -> StatusReply.success(new TurnAccepted(turnId, false)));
  }

  private ReplyEffect<SessionEvent, SessionState> onDecideWithoutTurn(SessionState s, Decide c) {
    return reject(
        c,
        s.wasDecided(c.approvalId())
            ? new Rejection(
                "approval_decided", "approval " + c.approvalId() + " was already decided")
            : new Rejection("approval_not_found", "no pending approval " + c.approvalId()));
  }

  private ReplyEffect<SessionEvent, SessionState> onExpireApproval(
      SessionState s, ExpireApproval c) {
    EventBatch b = batch(s);
    if (!Approvals.expire(b, s, c.approvalId(), b.at())) {
      return s.turn().callAwaiting(c.approvalId()) != null
          ? Effect().reply(c.replyTo(), StatusReply.success(Expiry.NOT_DUE))
          : settled(c);
    }
    continueIfResolved(b);
    return Effect()
        .persist(b.events())
        .thenRun(st -> drive(s, st, b))
        .thenReply(c.replyTo(), st -> StatusReply.success(Expiry.EXPIRED));
  }

  private ReplyEffect<SessionEvent, SessionState> settled(ExpireApproval c) {
    return Effect().reply(c.replyTo(), StatusReply.success(Expiry.SETTLED));
  }

  /** Once every call of the step has an outcome, the model hears them. */
  private static void continueIfResolved(EventBatch b) {
    Turn turn = b.state().turn();
    if (turn != null && turn.allCallsResolved() && !turn.modelCallInFlight()) {
      b.nextModelCallOrFail();
    }
  }

  private Rejection forbidden(SessionState s, String what) {
    return new Rejection(
        "forbidden",
        "only the owner of session "
            + id.id()
            + " ("
            + s.owner().subject()
            + ") or an operator of its tenant may "
            + what
            + " it");
  }

  // ---- the turn loop ----------------------------------------------------------------------------

  private ReplyEffect<SessionEvent, SessionState> onModelResponded(
      SessionState s, ModelResponded c) {
    Turn turn = s.turn();
    if (!isCurrentModelCall(turn, c.turnId(), c.step())) {
      return Effect().noReply();
    }
    modelFailuresThisStep = 0;
    ModelReply reply = c.reply();
    Guardrails guardrails = deps.guardrails().of(s.agent());
    Optional<DenyMatch> blocked =
        guardrails.denies(Direction.OUTPUT) && reply.text() != null
            ? guardrails.denied(reply.text(), Direction.OUTPUT)
            : Optional.empty();
    EventBatch b = batch(s);
    if (blocked.isPresent()) {
      // the blocked text is never written, nor are the tool uses that came with it
      b.add(
          new ModelReplied(
              b.meta("model"),
              turn.turnId(),
              c.step(),
              "[blocked by guardrail " + blocked.get().rule() + "]",
              List.of(),
              reply.stopReason(),
              reply.usage()));
      b.add(
          new TurnFailed(
              b.meta("runtime"),
              turn.turnId(),
              "guardrail_denied",
              "the model's answer was blocked by guardrail "
                  + blocked.get().rule()
                  + ": "
                  + blocked.get().reason()));
      return persistAndDrive(s, b);
    }
    StopReason stop = StopReason.of(reply.stopReason());
    // a refused or cut answer never runs tools: a cut tool use may carry half its input
    List<ToolUse> asked =
        stop.providerRefused() || stop == StopReason.MAX_TOKENS ? List.of() : reply.toolUses();
    List<ToolUse> uses =
        Turns.withUniqueIds(asked).stream()
            .map(
                u ->
                    guardrails.redacts(Stage.JOURNAL) && u.input() != null
                        ? new ToolUse(u.id(), u.name(), guardrails.redact(u.input(), Stage.JOURNAL))
                        : u)
            .toList();
    String text = reply.text() == null ? null : guardrails.redact(reply.text(), Stage.JOURNAL);
    b.add(
        new ModelReplied(
            b.meta("model"),
            turn.turnId(),
            c.step(),
            text,
            uses,
            reply.stopReason(),
            reply.usage()));
    Optional<TurnFailed> ended =
        endedByStopReason(b, turn.turnId(), stop, text, reply.wantsTools());
    if (ended.isPresent()) {
      b.add(ended.get());
    } else if (uses.isEmpty()) {
      b.add(
          new TurnCompleted(
              b.meta("runtime"),
              turn.turnId(),
              b.state().messages().get(b.state().messages().size() - 1).text(),
              b.state().turn().usage()));
    } else {
      for (ToolUse use : uses) {
        Turns.requestTool(b, s, id, deps.validator(), deps.gate(), turn.turnId(), use);
      }
      if (b.state().turn().allCallsResolved()) {
        // every call was refused before running: tell the model right away
        b.nextModelCallOrFail();
      }
    }
    return persistAndDrive(s, b);
  }

  /**
   * The turn's end when the provider refused to answer (its guardrail intervened, its filter caught
   * the output) or the answer was cut at maxTokens while asking for tools; empty otherwise. A cut
   * answer without tool uses completes the turn: its text is kept, and the turn's stop reason says
   * it was cut.
   */
  private static Optional<TurnFailed> endedByStopReason(
      EventBatch b, String turnId, StopReason stop, String text, boolean askedForTools) {
    String code;
    String message;
    if (stop == StopReason.GUARDRAIL_INTERVENED) {
      code = "guardrail_intervened";
      message = "the model provider's guardrail intervened" + quoted(text);
    } else if (stop == StopReason.CONTENT_FILTERED) {
      code = "content_filtered";
      message = "the model provider's content filter stopped the answer" + quoted(text);
    } else if (stop == StopReason.MAX_TOKENS && askedForTools) {
      code = "max_tokens";
      message =
          "the model's answer reached its maxTokens while asking for tools; no tool was run (raise"
              + " model.maxTokens)";
    } else {
      return Optional.empty();
    }
    return Optional.of(new TurnFailed(b.meta("runtime"), turnId, code, message));
  }

  /** The provider's own words, shortened, after a colon; nothing when there are none. */
  private static String quoted(String text) {
    if (text == null || text.isBlank()) {
      return "";
    }
    String t = text.strip();
    return ": " + (t.length() > 300 ? t.substring(0, 300) + "…" : t);
  }

  private ReplyEffect<SessionEvent, SessionState> onToolFinished(SessionState s, ToolFinished c) {
    ToolCall.Finished f = c.finished();
    Turn turn = s.turn();
    ToolCallState call = turn.turnId().equals(f.turnId()) ? turn.call(f.callId()) : null;
    if (call == null || call.status() != ToolCallState.Status.RUNNING) {
      return Effect().noReply();
    }
    EventBatch b = batch(s);
    String actor = "tool:" + call.tool();
    if (f.result() instanceof ToolResult.Success ok) {
      b.add(
          new ToolCallSucceeded(
              b.meta(actor),
              turn.turnId(),
              f.callId(),
              deps.guardrails().of(s.agent()).redact(ok.content(), Stage.JOURNAL),
              f.attempts(),
              f.durationMs()));
    } else if (mayHaveRunNonIdempotent(s, call, (ToolResult.Failure) f.result())) {
      ToolResult.Failure failure = (ToolResult.Failure) f.result();
      // the model would simply call again: a human decides instead, as after a crash
      b.add(
          new ToolCallOutcomeUnknown(
              b.meta(actor),
              turn.turnId(),
              f.callId(),
              call.tool(),
              call.input(),
              call.tool()
                  + " is not idempotent and its call failed after the request may have reached it ("
                  + failure.code()
                  + ": "
                  + journalText(s, failure.message())
                  + "); it was not run again. Approve a retry or record the outcome."));
    } else {
      ToolResult.Failure failure = (ToolResult.Failure) f.result();
      b.add(
          new ToolCallFailed(
              b.meta(actor),
              turn.turnId(),
              f.callId(),
              failure.code(),
              journalText(s, failure.message()),
              f.attempts()));
    }
    if (b.state().turn().allCallsResolved()) {
      b.nextModelCallOrFail();
    }
    return persistAndDrive(s, b);
  }

  /**
   * A tool's error text as the journal may keep it: an error can quote what the tool received or
   * holds (an answer body, a record), so the agent's journal redaction applies as to a result.
   */
  private String journalText(SessionState s, String text) {
    return text == null ? null : deps.guardrails().of(s.agent()).redact(text, Stage.JOURNAL);
  }

  private static boolean mayHaveRunNonIdempotent(
      SessionState s, ToolCallState call, ToolResult.Failure failure) {
    return failure.mayHaveActed() && !s.tool(call.tool()).map(ToolSpec::idempotent).orElse(false);
  }

  private ReplyEffect<SessionEvent, SessionState> onModelFailed(SessionState s, ModelFailed c) {
    Turn turn = s.turn();
    if (!isCurrentModelCall(turn, c.turnId(), c.step())) {
      return Effect().noReply();
    }
    modelFailuresThisStep++;
    if (c.retryable() && modelFailuresThisStep < deps.settings().modelMaxAttempts()) {
      Duration pause = deps.settings().modelRetryBackoff().multipliedBy(modelFailuresThisStep);
      context
          .getLog()
          .warn(
              "model call {} of turn {} failed ({}); retrying in {}",
              c.step(),
              c.turnId(),
              c.message(),
              pause);
      timers.startSingleTimer(new RetryModelCall(c.turnId(), c.step()), pause);
      return Effect().noReply();
    }
    modelFailuresThisStep = 0;
    EventBatch b = batch(s);
    b.add(new TurnFailed(b.meta("runtime"), turn.turnId(), c.code(), c.message()));
    return persistAndDrive(s, b);
  }

  private ReplyEffect<SessionEvent, SessionState> onRetryModelCall(
      SessionState s, RetryModelCall c) {
    if (isCurrentModelCall(s.turn(), c.turnId(), c.step())) {
      effects.callModel(s, lastSequenceNumber(context), modelFailuresThisStep + 1);
    }
    return Effect().noReply();
  }

  /**
   * After a restart: the model call that was in flight is issued again (the scripted and real
   * providers answer the same conversation the same way or afresh; nothing was acted on). Tool
   * calls that were in flight run again only if the tool is idempotent, with the same idempotency
   * key.
   */
  private ReplyEffect<SessionEvent, SessionState> onResume(SessionState s, Resume c) {
    if (!s.hasWorkInFlight()) {
      return Effect().noReply();
    }
    EventBatch b = batch(s);
    Turns.resume(b, s);
    return persistAndDrive(s, b);
  }

  // ---- effects
  // ------------------------------------------------------------------------------------

  private ReplyEffect<SessionEvent, SessionState> persistAndDrive(
      SessionState before, EventBatch b) {
    if (!b.toolsToStart().isEmpty() && !handingOff) {
      effects.signAhead(b.state(), b.toolsToStart());
    }
    return Effect().persist(b.events()).thenRun(st -> drive(before, st, b)).thenNoReply();
  }

  /**
   * After a batch is persisted: stops what a turn that ended still had in flight, tells the
   * listeners (live streams, read sides, waiting callers), then starts what the batch announced.
   */
  private void drive(SessionState before, SessionState state, EventBatch b) {
    long seq = lastSequenceNumber(context);
    logTurn(state.turn());
    Turn ended = before.turn();
    if (ended != null && (state.turn() == null || !state.turn().turnId().equals(ended.turnId()))) {
      // the turn ended (completed, failed, cancelled): nothing of it may go on
      effects.abandon(ended.turnId());
    }
    for (SessionListener l : listeners) {
      l.persisted(before, state, b.events(), seq);
    }
    if (handingOff) {
      // what this batch announced starts in the next incarnation, which re-drives it from the
      // journal; this one stops once no tool call of it is running
      if (state.turn() == null || !state.turn().anyCallRunning()) {
        context.getSelf().tell(new HandOffNow());
      }
      return;
    }
    if (b.callsModel()) {
      effects.callModel(state, seq, 1);
    }
    for (String callId : b.toolsToStart()) {
      effects.startTool(state, state.turn().call(callId));
    }
  }

  private void notifyWaiters(SessionState s) {
    if (waiters.isEmpty()) {
      return;
    }
    for (String turnId : new ArrayList<>(waiters.keySet())) {
      TurnOutcome outcome = Turns.outcomeOf(s, turnId);
      if (outcome == null || !outcome.status().goingOn()) {
        StatusReply<TurnOutcome> reply =
            outcome == null
                ? StatusReply.error(new Rejection("turn_not_found", "no turn " + turnId))
                : StatusReply.success(outcome);
        waiters.remove(turnId).forEach(w -> w.tell(reply));
      }
    }
  }

  /**
   * A team member's session tells its workspace of each turn that ended in the batch (the member is
   * the workspace target its pinned workspace tools carry).
   */
  private void tellWorkspace(
      SessionState before, SessionState after, List<SessionEvent> events, long lastSeq) {
    for (SessionEvent e : events) {
      String ended =
          e instanceof SessionEvent.TurnCompleted t
              ? t.turnId()
              : e instanceof SessionEvent.TurnFailed t
                  ? t.turnId()
                  : e instanceof SessionEvent.TurnCancelled t ? t.turnId() : null;
      if (ended == null) {
        continue;
      }
      Optional<WorkspaceTarget> member = after.member();
      if (member.isEmpty()) {
        return;
      }
      TurnOutcome outcome = Turns.outcomeOf(after, ended);
      if (outcome != null) {
        deps.memberTurns().ended(member.get(), id, outcome);
      }
    }
  }

  private ReplyEffect<SessionEvent, SessionState> onIdle(SessionState s, IdleTimeout c) {
    // a watched session stays: its watchers would otherwise wake it again at once
    if ((s.turn() == null || s.turn().quiescent()) && !feed.watched()) {
      passivate();
    }
    return Effect().noReply();
  }

  private ReplyEffect<SessionEvent, SessionState> rejectBroken(SessionState s, Request<?> c) {
    return reject(
        c,
        new Rejection(
            "journal_broken",
            "session "
                + id.id()
                + " is broken: its journal has a gap or an edited event; GET its audit/verify"
                + " names where"));
  }

  /**
   * The journal went away: whatever this incarnation holds may be ahead of what the journal keeps.
   * Waiting callers hear it now; children (tool calls) stop with the session; the next incarnation
   * recovers from the journal before it takes a command.
   */
  private ReplyEffect<SessionEvent, SessionState> onJournalLost(SessionState s, JournalLost c) {
    if (c.since().isBefore(recoveredAt)) {
      // this incarnation read its journal after the loss began: nothing it holds is stale
      return Effect().noReply();
    }
    StatusReply<TurnOutcome> unavailable =
        StatusReply.error(JournalHealth.rejection(new Unavailable(c.reason(), c.since())));
    waiters.values().forEach(list -> list.forEach(w -> w.tell(unavailable)));
    waiters.clear();
    return Effect().stop().thenNoReply();
  }

  /**
   * Sharding stops the session (its node leaves the cluster, or it passivates). A tool call that is
   * running is let finish, for up to the hand-off grace: its answer is recorded and nothing new
   * starts, so a graceful leave never turns a non-idempotent call into an unknown outcome. Then a
   * caller waiting for a turn hears {@value #MOVING} and asks again: its next ask reaches the
   * session's next incarnation, on this node or another, which goes on from the journal.
   */
  private ReplyEffect<SessionEvent, SessionState> onStop(SessionState s, Stop c) {
    if (handingOff) {
      return Effect().noReply();
    }
    if (s.turn() != null && s.turn().anyCallRunning()) {
      handingOff = true;
      timers.startSingleTimer(new HandOffNow(), deps.settings().handOffGrace());
      return Effect().noReply();
    }
    return stopNow();
  }

  private ReplyEffect<SessionEvent, SessionState> stopNow() {
    if (!waiters.isEmpty()) {
      StatusReply<TurnOutcome> moving =
          StatusReply.error(
              new Rejection(MOVING, "session " + id.id() + " is moving; ask for the turn again"));
      waiters.values().forEach(list -> list.forEach(w -> w.tell(moving)));
      waiters.clear();
    }
    return Effect().stop().thenNoReply();
  }

  /** A request for a session that does not exist (or a stale internal message). */
  private ReplyEffect<SessionEvent, SessionState> onNotApplicable(SessionState s, Command c) {
    if (c instanceof Request<?> request) {
      if (!s.exists()) {
        // nothing to keep in memory for an id nobody opened
        passivate();
        return reject(request, new Rejection("session_not_found", "no session " + id.id()));
      }
      return reject(
          request,
          new Rejection(
              "not_applicable", "not possible while the session is " + s.status().wire()));
    }
    return Effect().noReply();
  }

  // ---- snapshots that cannot be used ---------------------------------------------------------

  /**
   * Why the state recovered from a snapshot must not be used, or null: the snapshot could not be
   * vouched for, the event after it does not follow it, or it sums up fewer events than the journal
   * holds (an older snapshot stored in a newer one's place).
   */
  private String snapshotProblem(SessionState state) {
    if (unusableSnapshot != null) {
      return unusableSnapshot;
    }
    if (!fromSnapshot) {
      return null;
    }
    if (state.broken()) {
      return "the event after it does not follow it";
    }
    long journal = lastSequenceNumber(context);
    return state.events() == journal
        ? null
        : "it sums up " + state.events() + " events where the journal holds " + journal;
  }

  /**
   * Leaves the session to an incarnation that recovers from the journal alone: this node stops
   * trusting the session's snapshots, this incarnation passivates, and what it receives until it
   * stops goes back through sharding, which holds it for the next incarnation. A {@link Resume}
   * goes the same way, so that the next incarnation starts even when nobody is waiting.
   */
  private void handOver(String problem) {
    context
        .getLog()
        .error(
            "Session {}: its snapshot cannot be used ({}); it recovers again from its journal"
                + " alone (docs/operations.md, \"Snapshots\")",
            id.id(),
            problem);
    SnapshotDistrust.of(context.getSystem()).distrust(id.entityId());
    handingOver = true;
    if (shard == null) {
      context.getSelf().tell(new Stop());
      return;
    }
    passivate();
    toNextIncarnation(null, new Resume());
  }

  private ReplyEffect<SessionEvent, SessionState> toNextIncarnation(SessionState s, Command c) {
    if (shard != null) {
      ClusterSharding.get(context.getSystem()).entityRefFor(ENTITY_TYPE, id.entityId()).tell(c);
    }
    return Effect().noReply();
  }

  private void passivate() {
    telemetry.passivating();
    if (shard != null) {
      shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
    }
  }

  // ---- helpers
  // ------------------------------------------------------------------------------------

  private EventBatch batch(SessionState s) {
    return new EventBatch(
        s, deps.clock().instant(), deps.settings().retention(), deps.models().prices());
  }

  private <R> ReplyEffect<SessionEvent, SessionState> reject(Request<R> request, Rejection why) {
    return Effect().reply(request.replyTo(), StatusReply.error(why));
  }

  private static boolean isCurrentModelCall(Turn turn, String turnId, int step) {
    return turn != null
        && turn.turnId().equals(turnId)
        && turn.modelCallInFlight()
        && turn.modelCalls() == step;
  }
}

package io.statehouse.runtime.workspace;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.Futures;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.catalog.TeamSpec;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.AgentSession.TurnAccepted;
import io.statehouse.runtime.session.AgentSession.TurnOutcome;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.session.TurnStatus;
import io.statehouse.runtime.stream.FeedItem;
import io.statehouse.runtime.stream.FeedWatchers;
import io.statehouse.runtime.telemetry.TraceParent;
import io.statehouse.runtime.workspace.WorkspaceEvent.Delivered;
import io.statehouse.runtime.workspace.WorkspaceEvent.MemberTurnEnded;
import io.statehouse.runtime.workspace.WorkspaceEvent.MembersClosed;
import io.statehouse.runtime.workspace.WorkspaceEvent.RunStarted;
import io.statehouse.runtime.workspace.WorkspaceState.Delivery;
import io.statehouse.runtime.workspace.WorkspaceState.MemberTurn;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * A team run's workspace: one sharded, event-sourced entity per run (entity id {@code
 * <tenant>:<workspace id>}), whose journal is in the same keyed hash chain as sessions'.
 *
 * <p>Lifecycle. {@link StartRun} records the run (its members' sessions are already open) and
 * schedules the input for the entry role. Members write through their workspace tools ({@link Op}).
 * Every delivery is persisted ({@code DeliveryScheduled}) before it is sent, and sent under an
 * idempotency key of its own to the member's durable inbox, until the session's answer is recorded
 * ({@code Delivered}): a crash anywhere between sends it again, and the session starts its turn
 * once. The workspace follows each turn it delivered until it learns how it ended, from the session
 * itself ({@link TurnEnded}, told after the turn's end is persisted) or by asking it (after a
 * restart, and again every {@code await-turn}); then {@link Coordinator} decides what follows. When
 * the run ends the members' sessions are closed, and the entity may leave memory.
 *
 * <p>A running workspace is a remembered entity and never passivates: after a crash sharding starts
 * it again, and it re-sends what was not delivered and asks after every turn it follows.
 */
public final class Workspace
    extends EventSourcedBehaviorWithEnforcedReplies<
        Workspace.Command, WorkspaceEvent, WorkspaceState> {

  public static final EntityTypeKey<Command> ENTITY_TYPE =
      EntityTypeKey.create(Command.class, WorkspaceId.ENTITY_TYPE);

  /** Everything a workspace accepts. */
  public sealed interface Command extends CborSerializable {}

  /**
   * Starts the run. Replies with the state once {@code RunStarted} is persisted; the same run id
   * again replies with the current state, another is refused with {@code workspace_exists}.
   */
  public record StartRun(
      Principal owner,
      String runId,
      TeamSpec team,
      List<Seat> seats,
      String input,
      TraceParent trace,
      ActorRef<StatusReply<WorkspaceState>> replyTo)
      implements Command {

    /** Without a caller's trace context. */
    public StartRun(
        Principal owner,
        String runId,
        TeamSpec team,
        List<Seat> seats,
        String input,
        ActorRef<StatusReply<WorkspaceState>> replyTo) {
      this(owner, runId, team, seats, input, null, replyTo);
    }
  }

  /**
   * A member's workspace tool call. Replies with the JSON answer the model sees, or a {@link
   * Rejection} whose code and message the model is told ({@code stale_version}, …).
   */
  public record Op(
      String op,
      String role,
      String sessionId,
      String turnId,
      String key,
      JsonNode input,
      ActorRef<StatusReply<String>> replyTo)
      implements Command {}

  /** Replies with the state; {@code workspace_not_found} when no run started here. */
  public record Get(ActorRef<StatusReply<WorkspaceState>> replyTo) implements Command {}

  /**
   * Stops the run: {@code RunEnded} (cancelled), then every member's session is closed, failing a
   * running turn. Replies with the state; an ended run is left as it is. {@code forbidden} for
   * anyone but the run's owner or an operator of its tenant.
   */
  public record CancelRun(Principal principal, ActorRef<StatusReply<WorkspaceState>> replyTo)
      implements Command {}

  /**
   * A member's session says a turn ended (no reply): {@link
   * io.statehouse.runtime.session.MemberTurns}.
   */
  public record TurnEnded(String sessionId, TurnOutcome outcome) implements Command {}

  /** Stops the entity (sharding's stop message on hand-off). */
  public record Stop() implements Command {}

  // ---- internal ----------------------------------------------------------------------------

  /** A member's session answered delivery {@code deliveryId}: its turn, or why not. */
  record DeliveryAnswered(String deliveryId, String turnId, String code, String message)
      implements Command {}

  /** An ask after a followed turn came back: its outcome, or null when it said nothing new. */
  record TurnPolled(String turnId, TurnOutcome outcome, String notFound, boolean timedOut)
      implements Command {}

  record RetryDelivery(String deliveryId) implements Command {}

  record PollTurn(String turnId) implements Command {}

  record DeadlineReached() implements Command {}

  record MembersClosedNow(boolean ok) implements Command {}

  record RetryClose() implements Command {}

  record IdleTimeout() implements Command {}

  /**
   * Makes {@code hub} (a node's stream hub) a watcher of this incarnation: it gets every batch
   * persisted from now on ({@link FeedItem}). Replies with the incarnation and its last event's
   * number.
   */
  public record Watch(ActorRef<FeedItem> hub, ActorRef<StatusReply<Watching>> replyTo)
      implements Command {}

  /** Reply to {@link Watch}. {@code ended}: the run is over, nothing but its close may follow. */
  public record Watching(long lastSeq, boolean ended, ActorRef<Command> workspace)
      implements CborSerializable {}

  /** {@code hub} no longer watches. No reply. */
  public record Unwatch(ActorRef<FeedItem> hub) implements Command {}

  record HubGone(ActorRef<FeedItem> hub) implements Command {}

  /** Session rejections that no retry can change: the run cannot go on without the member. */
  private static final Set<String> PERMANENT =
      Set.of(
          "session_closed",
          "session_not_found",
          "forbidden",
          "idempotency_key_reused",
          "session_broken");

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final WorkspaceId id;
  private final WorkspaceDeps deps;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  // what this incarnation has under way; rebuilt from the state after a restart
  private final Set<String> delivering = new HashSet<>();
  private final Set<String> polling = new HashSet<>();
  private final Map<String, Integer> deliveryAttempts = new HashMap<>();
  private boolean closing;
  private int closeAttempts;
  // the W3C context of the caller who started the run, which this incarnation's deliveries pass on
  // to the members' turns; never persisted (after a restart the members' turns start traces anew)
  private TraceParent runTrace;
  private final FeedWatchers watchers;

  private Workspace(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      WorkspaceId id,
      WorkspaceDeps deps,
      ActorRef<ClusterSharding.ShardCommand> shard) {
    // a failed journal write restarts the workspace, which recovers and drives its run again
    super(
        id.persistenceId(),
        SupervisorStrategy.restartWithBackoff(
            deps.settings().retryMin(), deps.settings().retryMax(), 0.2));
    this.context = context;
    this.timers = timers;
    this.id = id;
    this.deps = deps;
    this.shard = shard;
    this.watchers = new FeedWatchers(id.persistenceId().id());
  }

  /** {@code shard}: to ask for passivation; null outside sharding (behaviour tests). */
  public static Behavior<Command> create(
      WorkspaceId id, WorkspaceDeps deps, ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  // an entity woken for a workspace nobody started leaves soon; a running one
                  // cancels this (drive)
                  ctx.setReceiveTimeout(deps.settings().askTimeout(), new IdleTimeout());
                  return new Workspace(ctx, timers, id, deps, shard);
                }));
  }

  @Override
  public WorkspaceState emptyState() {
    return WorkspaceState.empty();
  }

  @Override
  public SignalHandler<WorkspaceState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.class, (state, signal) -> drive(state))
        .build();
  }

  @Override
  public EventHandler<WorkspaceState, WorkspaceEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(WorkspaceState::apply);
  }

  @Override
  public CommandHandlerWithReply<Command, WorkspaceEvent, WorkspaceState> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, WorkspaceEvent, WorkspaceState> b =
        newCommandHandlerWithReplyBuilder();
    b.forState(s -> !s.exists())
        .onCommand(StartRun.class, this::onStart)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), notFound()))
        .onCommand(Op.class, (s, c) -> Effect().reply(c.replyTo(), notFound()))
        .onCommand(CancelRun.class, (s, c) -> Effect().reply(c.replyTo(), notFound()))
        .onCommand(Watch.class, (s, c) -> Effect().reply(c.replyTo(), notFound()))
        .onCommand(IdleTimeout.class, (s, c) -> passivateNow());
    b.forState(WorkspaceState::exists)
        .onCommand(StartRun.class, this::onStartAgain)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s)))
        .onCommand(Op.class, this::onOp)
        .onCommand(CancelRun.class, this::onCancel)
        .onCommand(TurnEnded.class, (s, c) -> onTurnOutcome(s, c.outcome()))
        .onCommand(DeliveryAnswered.class, this::onDeliveryAnswered)
        .onCommand(TurnPolled.class, this::onTurnPolled)
        .onCommand(RetryDelivery.class, this::onRetryDelivery)
        .onCommand(PollTurn.class, this::onPollTurn)
        .onCommand(DeadlineReached.class, this::onDeadline)
        .onCommand(MembersClosedNow.class, this::onMembersClosed)
        .onCommand(
            RetryClose.class,
            (s, c) -> {
              closing = false;
              drive(s);
              return Effect().noReply();
            })
        .onCommand(Watch.class, this::onWatch)
        .onCommand(
            IdleTimeout.class,
            // held off while a stream hub watches, as sessions do
            (s, c) ->
                s.membersClosed() && !watchers.watched() ? passivateNow() : Effect().noReply());
    b.forAnyState()
        .onCommand(Unwatch.class, (s, c) -> unwatch(c.hub()))
        .onCommand(HubGone.class, (s, c) -> unwatch(c.hub()))
        .onCommand(TurnEnded.class, (s, c) -> Effect().noReply())
        .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply())
        .onCommand(Command.class, (s, c) -> Effect().noReply());
    return b.build();
  }

  // ---- start ----------------------------------------------------------------------------------

  private ReplyEffect<WorkspaceEvent, WorkspaceState> onStart(WorkspaceState s, StartRun c) {
    WorkspaceBatch b = batch(s);
    Instant deadline =
        c.team().limits().deadline() == null ? null : b.at().plus(c.team().limits().deadline());
    b.add(
        new RunStarted(
            b.meta(c.owner().actor()),
            id.id(),
            c.runId(),
            c.owner(),
            c.team(),
            c.seats(),
            c.input(),
            deadline));
    Coordinator.start(b);
    runTrace = c.trace();
    return persisted(b).thenReply(c.replyTo(), StatusReply::success);
  }

  private ReplyEffect<WorkspaceEvent, WorkspaceState> onStartAgain(WorkspaceState s, StartRun c) {
    return Effect()
        .reply(
            c.replyTo(),
            s.runId().equals(c.runId())
                ? StatusReply.success(s)
                : StatusReply.error(
                    new Rejection("workspace_exists", "workspace " + id.id() + " has a run")));
  }

  // ---- members' tool calls --------------------------------------------------------------------

  private ReplyEffect<WorkspaceEvent, WorkspaceState> onOp(WorkspaceState s, Op c) {
    WorkspaceBatch b = batch(s);
    WorkspaceOps.Outcome outcome =
        WorkspaceOps.run(
            b,
            new WorkspaceOps.Call(c.op(), c.role(), c.sessionId(), c.turnId(), c.key(), c.input()),
            deps.settings());
    if (outcome instanceof WorkspaceOps.Refused r) {
      return Effect().reply(c.replyTo(), StatusReply.error(new Rejection(r.code(), r.message())));
    }
    String answer = ((WorkspaceOps.Answer) outcome).json();
    if (b.isEmpty()) {
      return Effect().reply(c.replyTo(), StatusReply.success(answer));
    }
    return persisted(b).thenReply(c.replyTo(), st -> StatusReply.success(answer));
  }

  // ---- deliveries -----------------------------------------------------------------------------

  private void deliver(WorkspaceState s, Delivery d) {
    if (!delivering.add(d.id())) {
      return;
    }
    SessionId member = memberSession(s, d.role());
    String key = "workspace:" + s.workspaceId() + ":" + d.id();
    CompletionStage<TurnAccepted> sent =
        safely(
            () ->
                deps.members()
                    .deliver(
                        member, s.owner(), d.text(), key, runTrace, deps.settings().askTimeout()));
    context.pipeToSelf(
        sent,
        (accepted, error) -> {
          if (error == null) {
            return new DeliveryAnswered(d.id(), accepted.turnId(), null, null);
          }
          Throwable cause = Futures.unwrap(error);
          return cause instanceof Rejection r
              ? new DeliveryAnswered(d.id(), null, r.code(), r.getMessage())
              : new DeliveryAnswered(d.id(), null, "unavailable", cause.getClass().getSimpleName());
        });
  }

  private ReplyEffect<WorkspaceEvent, WorkspaceState> onDeliveryAnswered(
      WorkspaceState s, DeliveryAnswered c) {
    delivering.remove(c.deliveryId());
    Delivery d = s.deliveries().get(c.deliveryId());
    if (d == null || !d.pending()) {
      return Effect().noReply();
    }
    if (c.turnId() != null) {
      deliveryAttempts.remove(d.id());
      WorkspaceBatch b = batch(s);
      b.add(new Delivered(b.meta("runtime"), d.id(), c.turnId()));
      return persisted(b).thenNoReply();
    }
    if (PERMANENT.contains(c.code()) && s.running()) {
      WorkspaceBatch b = batch(s);
      Coordinator.end(
          b,
          RunStatus.FAILED,
          "the session of "
              + d.role()
              + " refused a delivery ("
              + c.code()
              + ": "
              + c.message()
              + ")");
      return persisted(b).thenNoReply();
    }
    int attempt = deliveryAttempts.merge(d.id(), 1, Integer::sum);
    context
        .getLog()
        .info(
            "Workspace {}: delivery {} to {} not accepted ({}); trying again",
            id.id(),
            d.id(),
            d.role(),
            c.code());
    timers.startSingleTimer("deliver-" + d.id(), new RetryDelivery(d.id()), backoff(attempt));
    return Effect().noReply();
  }

  private ReplyEffect<WorkspaceEvent, WorkspaceState> onRetryDelivery(
      WorkspaceState s, RetryDelivery c) {
    Delivery d = s.deliveries().get(c.deliveryId());
    if (d != null && d.pending() && s.running()) {
      deliver(s, d);
    }
    return Effect().noReply();
  }

  // ---- following members' turns ---------------------------------------------------------------

  private void poll(WorkspaceState s, MemberTurn t) {
    if (!polling.add(t.turnId())) {
      return;
    }
    SessionId member = memberSession(s, t.role());
    Duration wait = deps.settings().awaitTurn();
    context.pipeToSelf(
        safely(() -> deps.members().awaitTurn(member, t.turnId(), wait)),
        (outcome, error) -> {
          if (error == null) {
            return new TurnPolled(t.turnId(), outcome, null, false);
          }
          Throwable cause = Futures.unwrap(error);
          if (cause instanceof Rejection r && "turn_not_found".equals(r.code())) {
            return new TurnPolled(t.turnId(), null, r.getMessage(), false);
          }
          return new TurnPolled(t.turnId(), null, null, true);
        });
  }

  private ReplyEffect<WorkspaceEvent, WorkspaceState> onTurnPolled(WorkspaceState s, TurnPolled c) {
    polling.remove(c.turnId());
    MemberTurn t = s.turns().get(c.turnId());
    if (t == null || t.ended()) {
      return Effect().noReply();
    }
    if (c.notFound() != null) {
      // the session no longer knows the turn (it keeps its recent turns only): how it ended is
      // lost to the workspace, which counts it as failed rather than wait for ever
      return recordEnd(s, t, TurnStatus.FAILED, null, "turn_not_found", c.notFound(), null);
    }
    if (c.outcome() != null && c.outcome().status().ended()) {
      return onTurnOutcome(s, c.outcome());
    }
    // still running (the ask timed out) or waiting for a human: ask again later; the session
    // tells us first when the turn ends while it is in memory
    Duration again = c.timedOut() ? deps.settings().retryMin() : deps.settings().awaitTurn();
    timers.startSingleTimer("poll-" + c.turnId(), new PollTurn(c.turnId()), again);
    return Effect().noReply();
  }

  private ReplyEffect<WorkspaceEvent, WorkspaceState> onPollTurn(WorkspaceState s, PollTurn c) {
    MemberTurn t = s.turns().get(c.turnId());
    if (t != null && !t.ended() && following(s)) {
      poll(s, t);
    }
    return Effect().noReply();
  }

  private ReplyEffect<WorkspaceEvent, WorkspaceState> onTurnOutcome(
      WorkspaceState s, TurnOutcome outcome) {
    MemberTurn t = s.turns().get(outcome.turnId());
    if (t == null || t.ended() || !outcome.status().ended()) {
      return Effect().noReply();
    }
    return recordEnd(
        s,
        t,
        outcome.status(),
        cut(outcome.output()),
        outcome.errorCode(),
        cut(outcome.errorMessage()),
        outcome.usage());
  }

  /** Records how followed turn {@code t} ended, then what follows from it ({@link Coordinator}). */
  private ReplyEffect<WorkspaceEvent, WorkspaceState> recordEnd(
      WorkspaceState s,
      MemberTurn t,
      TurnStatus status,
      String output,
      String errorCode,
      String errorMessage,
      Usage usage) {
    if (mayBeAPendingDelivery(s, t)) {
      // the session's answer to that delivery is on its way; once Delivered is persisted the turn
      // is asked after again (drive) and decided as the delivery's
      return Effect().noReply();
    }
    WorkspaceBatch b = batch(s);
    b.add(
        new MemberTurnEnded(
            b.meta("runtime"),
            t.role(),
            t.turnId(),
            status,
            output,
            errorCode,
            errorMessage,
            usage));
    Coordinator.afterTurn(b, t.turnId(), deps.done(), deps.settings());
    return persisted(b).thenNoReply();
  }

  /**
   * Whether {@code t}, a turn that joined (it wrote to the workspace before any delivery was known
   * to have started it), may yet turn out to be the turn of a delivery to its role whose answer has
   * not arrived: a member's turn can reach the workspace through its tools before the session's
   * answer to the delivery does.
   */
  private static boolean mayBeAPendingDelivery(WorkspaceState s, MemberTurn t) {
    boolean delivered =
        s.deliveries().values().stream().anyMatch(d -> t.turnId().equals(d.turnId()));
    return !delivered
        && s.deliveries().values().stream().anyMatch(d -> d.pending() && d.role().equals(t.role()));
  }

  // ---- ending ---------------------------------------------------------------------------------

  private ReplyEffect<WorkspaceEvent, WorkspaceState> onCancel(WorkspaceState s, CancelRun c) {
    if (!c.principal().mayUseSessionOf(s.owner())) {
      return Effect()
          .reply(
              c.replyTo(),
              StatusReply.error(
                  new Rejection(
                      "forbidden",
                      "only the run's owner or an operator of its tenant may cancel it")));
    }
    if (!s.running()) {
      return Effect().reply(c.replyTo(), StatusReply.success(s));
    }
    WorkspaceBatch b = batch(s);
    Coordinator.end(b, RunStatus.CANCELLED, "cancelled by " + c.principal().actor());
    return persisted(b).thenReply(c.replyTo(), StatusReply::success);
  }

  private ReplyEffect<WorkspaceEvent, WorkspaceState> onDeadline(
      WorkspaceState s, DeadlineReached c) {
    if (!s.running()) {
      return Effect().noReply();
    }
    if (s.deadlineAt() != null && deps.clock().instant().isBefore(s.deadlineAt())) {
      // a timer from before a restart, or an early tick: wait for the rest
      startDeadline(s);
      return Effect().noReply();
    }
    WorkspaceBatch b = batch(s);
    Coordinator.end(
        b,
        RunStatus.LIMIT_REACHED,
        "the deadline ("
            + s.team().limits().deadline()
            + " after the start) passed at "
            + s.deadlineAt());
    return persisted(b).thenNoReply();
  }

  private void closeMembers(WorkspaceState s) {
    if (closing) {
      return;
    }
    closing = true;
    String reason = "the team run ended: " + s.status().wire();
    List<CompletableFuture<Void>> closes = new ArrayList<>();
    for (Seat seat : s.seats()) {
      closes.add(
          safely(
                  () ->
                      deps.members()
                          .close(
                              new SessionId(id.tenant(), seat.sessionId()),
                              s.owner(),
                              reason,
                              deps.settings().askTimeout()))
              .toCompletableFuture());
    }
    context.pipeToSelf(
        CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new)),
        (ok, error) -> new MembersClosedNow(error == null));
  }

  private ReplyEffect<WorkspaceEvent, WorkspaceState> onMembersClosed(
      WorkspaceState s, MembersClosedNow c) {
    if (s.membersClosed()) {
      return Effect().noReply();
    }
    if (!c.ok()) {
      closeAttempts++;
      timers.startSingleTimer("close", new RetryClose(), backoff(closeAttempts));
      return Effect().noReply();
    }
    WorkspaceBatch b = batch(s);
    b.add(new MembersClosed(b.meta("runtime")));
    return persisted(b).thenNoReply();
  }

  // ---- live streams -------------------------------------------------------------------------

  private ReplyEffect<WorkspaceEvent, WorkspaceState> onWatch(WorkspaceState s, Watch c) {
    if (watchers.add(c.hub())) {
      context.watchWith(c.hub(), new HubGone(c.hub()));
    }
    return Effect()
        .reply(
            c.replyTo(),
            StatusReply.success(
                new Watching(lastSequenceNumber(context), !s.running(), context.getSelf())));
  }

  private ReplyEffect<WorkspaceEvent, WorkspaceState> unwatch(ActorRef<FeedItem> hub) {
    watchers.remove(hub);
    context.unwatch(hub);
    return Effect().noReply();
  }

  // ---- effects --------------------------------------------------------------------------------

  /**
   * Starts what the state calls for and this incarnation has not started: deliveries not yet
   * accepted, asks after followed turns, the deadline, closing the members of an ended run.
   */
  private void drive(WorkspaceState s) {
    if (!s.exists()) {
      return;
    }
    if (s.running()) {
      context.cancelReceiveTimeout();
      for (Delivery d : s.pendingDeliveries()) {
        deliver(s, d);
      }
      startDeadline(s);
    } else {
      timers.cancel("deadline");
      if (!s.membersClosed()) {
        closeMembers(s);
      } else {
        // nothing left to do: the entity may leave memory when idle
        context.setReceiveTimeout(deps.settings().askTimeout(), new IdleTimeout());
      }
    }
    if (following(s)) {
      for (MemberTurn t : s.runningTurns()) {
        poll(s, t);
      }
    }
  }

  /** While the run goes on, and until its members are closed, the workspace follows turns. */
  private static boolean following(WorkspaceState s) {
    return s.running() || !s.membersClosed();
  }

  private void startDeadline(WorkspaceState s) {
    if (s.deadlineAt() == null || timers.isTimerActive("deadline")) {
      return;
    }
    Duration left = Duration.between(deps.clock().instant(), s.deadlineAt());
    timers.startSingleTimer(
        "deadline", new DeadlineReached(), left.isNegative() ? Duration.ZERO : left);
  }

  private ReplyEffect<WorkspaceEvent, WorkspaceState> passivateNow() {
    if (shard != null) {
      shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
    }
    return Effect().noReply();
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Persists {@code b} as one write; then tells the stream hubs and drives what it calls for. */
  private EffectBuilder<WorkspaceEvent, WorkspaceState> persisted(WorkspaceBatch b) {
    return Effect()
        .persist(b.events())
        .thenRun(
            s -> {
              watchers.events(b.events(), lastSequenceNumber(context));
              drive(s);
            });
  }

  private WorkspaceBatch batch(WorkspaceState s) {
    return new WorkspaceBatch(s, deps.clock().instant());
  }

  private SessionId memberSession(WorkspaceState s, String role) {
    return new SessionId(id.tenant(), s.seat(role).orElseThrow().sessionId());
  }

  private Duration backoff(int attempt) {
    Duration d = deps.settings().retryMin().multipliedBy(1L << Math.min(attempt, 16));
    return d.compareTo(deps.settings().retryMax()) > 0 ? deps.settings().retryMax() : d;
  }

  private String cut(String text) {
    int max = deps.settings().maxOutputChars();
    return text == null || text.length() <= max ? text : text.substring(0, max) + "…";
  }

  private static <T> StatusReply<T> notFound() {
    return StatusReply.error(new Rejection("workspace_not_found", "no team run here"));
  }

  /** A port that throws counts as a failed stage, never as an exception in the actor. */
  private static <T> CompletionStage<T> safely(
      java.util.function.Supplier<CompletionStage<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}

package io.statehouse.runtime.session;

import io.statehouse.runtime.approval.ApprovalQueue;
import io.statehouse.runtime.approval.ApprovalQueue.Status;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.ModelCallException;
import io.statehouse.runtime.model.ModelClient;
import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.ModelRequest;
import io.statehouse.runtime.model.ToolDescriptor;
import io.statehouse.runtime.model.ToolResultBlock;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.policy.guardrail.Direction;
import io.statehouse.runtime.policy.guardrail.Guardrails;
import io.statehouse.runtime.policy.guardrail.Stage;
import io.statehouse.runtime.session.AgentSession.Command;
import io.statehouse.runtime.session.AgentSession.ModelFailed;
import io.statehouse.runtime.session.AgentSession.ModelResponded;
import io.statehouse.runtime.stream.FeedWatchers;
import io.statehouse.runtime.telemetry.SessionTelemetry;
import io.statehouse.runtime.telemetry.TraceParent;
import io.statehouse.runtime.tool.ToolCall;
import io.statehouse.runtime.tool.ToolInvocation;
import io.statehouse.runtime.usage.UsageLedger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The effects a session starts once their events are persisted: model calls (piped back to the
 * session, their deltas to the hubs watching), tool-call children, and its list entry; and what
 * stops them when their turn ends first (a cancel). Never called from an event handler.
 */
final class SessionEffects {
  private final ActorContext<Command> context;
  private final SessionId id;
  private final SessionDeps deps;
  private final ActorRef<ToolCall.Finished> toolReplies;
  private final FeedWatchers feed;
  private final SessionTelemetry telemetry;
  // the model call in flight, abandoned if its turn ends before it answers
  private InFlight inFlight;

  // the tool-call children this incarnation started: part of each child's name
  private long toolsStarted;
  // identity tokens being made while their calls' starts are persisted, by call id
  private final Map<String, TokenAhead> tokensAhead = new HashMap<>();
  // the list entry and usage not written yet (null when written), as of event readSidesSeq; when
  // they were last written (System.nanoTime) and the timer that writes them at the interval's end
  private SessionState readSidesState;
  private long readSidesSeq;
  private long readSidesWrittenAt = System.nanoTime() - Duration.ofDays(1).toNanos();
  private Cancellable readSidesTimer;

  // the daily usage this incarnation reported last, so unchanged days are not written again
  private final Map<LocalDate, DailyUsage> usageReported = new HashMap<>();

  SessionEffects(
      ActorContext<Command> context,
      SessionId id,
      SessionDeps deps,
      ActorRef<ToolCall.Finished> toolReplies,
      FeedWatchers feed,
      SessionTelemetry telemetry) {
    this.context = context;
    this.id = id;
    this.deps = deps;
    this.toolReplies = toolReplies;
    this.feed = feed;
    this.telemetry = telemetry;
  }

  /**
   * A model call in flight: cancelling {@code source} abandons it; {@code live} false stops its
   * deltas (they come from the provider's thread).
   */
  private record InFlight(
      String turnId, CompletableFuture<ModelReply> source, AtomicBoolean live) {}

  /**
   * Calls the model for the turn's current step; the answer comes back as a command. {@code
   * afterSeq}: the sequence number of the last persisted event, which the call's deltas follow;
   * {@code attempt}: which try of this call it is in this incarnation (from 1).
   */
  void callModel(SessionState s, long afterSeq, int attempt) {
    Turn turn = s.turn();
    String turnId = turn.turnId();
    int step = turn.modelCalls();
    Optional<ModelClient> client = deps.models().forProvider(s.agent().model().provider());
    if (client.isEmpty()) {
      context
          .getSelf()
          .tell(
              new ModelFailed(
                  turnId,
                  step,
                  "model_unavailable",
                  "this node has no model provider " + s.agent().model().provider(),
                  false));
      return;
    }
    ModelSpec spec = s.agent().model();
    ModelRequest request =
        new ModelRequest(spec, s.agent().instructions(), forModel(s), descriptors(s), id.tenant());
    AtomicBoolean live = new AtomicBoolean(true);
    Consumer<ModelDelta> sink =
        deltasMayShow(s)
            ? delta -> {
              if (live.get()) {
                feed.delta(afterSeq, turnId, step, attempt, delta);
              }
            }
            : ModelDelta.DISCARD;
    CompletionStage<ModelReply> call;
    try {
      CompletableFuture<ModelReply> source =
          client.get().converse(request, sink).toCompletableFuture();
      inFlight = new InFlight(turnId, source, live);
      CompletableFuture<ModelReply> timed =
          source
              .copy()
              .orTimeout(deps.settings().modelCallTimeout().toMillis(), TimeUnit.MILLISECONDS);
      // a call that timed out is abandoned too, so the provider stops reading it
      timed.whenComplete(
          (r, e) -> {
            if (e != null) {
              live.set(false);
              source.cancel(true);
            }
          });
      call = timed;
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    context.pipeToSelf(
        call,
        (reply, error) -> {
          if (error == null) {
            return new ModelResponded(turnId, step, deps.models().prices().priced(spec, reply));
          }
          Throwable cause = rootCause(error);
          if (cause instanceof ModelCallException m) {
            // the provider classified it (and already retried what was worth retrying)
            return new ModelFailed(turnId, step, m.code(), m.getMessage(), m.retryable());
          }
          return new ModelFailed(turnId, step, "model_error", String.valueOf(cause), true);
        });
  }

  /**
   * Whether a watching client may see this agent's answers before they are complete. Not when its
   * guardrails redact what the journal keeps or deny answers: a pattern can span two deltas, and a
   * denied answer would already have been shown. Such clients get the answer in {@code
   * ModelReplied}, as the journal keeps it.
   */
  private boolean deltasMayShow(SessionState s) {
    Guardrails g = deps.guardrails().of(s.agent());
    return !g.redacts(Stage.JOURNAL) && !g.denies(Direction.OUTPUT);
  }

  /**
   * Abandons what turn {@code turnId} still had in flight, once its end is persisted: the model
   * call is cancelled (no more deltas; the provider closes the request) and tool-call children stop
   * (a late result would find no running call anyway).
   */
  void abandon(String turnId) {
    if (inFlight != null && inFlight.turnId().equals(turnId)) {
      inFlight.live().set(false);
      inFlight.source().cancel(true);
      inFlight = null;
    }
    tokensAhead.clear();
    context.getChildren().forEach(context::stop);
  }

  /**
   * Has the identity tokens of {@code callIds}, the tool calls a batch being persisted will start,
   * made meanwhile on the session's dispatcher: signing one is pure work with no effect outside the
   * node, so it need not wait behind the write. {@link #startTool} hands each to its call; a token
   * is never sent unless its call's {@code ToolCallStarted} was persisted.
   */
  void signAhead(SessionState after, List<String> callIds) {
    for (String callId : callIds) {
      ToolCallState call = after.turn() == null ? null : after.turn().call(callId);
      if (call == null || after.tool(call.tool()).isEmpty()) {
        continue; // nothing to start: startTool will not ask for a token
      }
      ToolInvocation invocation = invocation(after, call, null);
      tokensAhead.put(
          callId,
          new TokenAhead(
              invocation,
              CompletableFuture.supplyAsync(
                  () -> deps.tools().identityToken(invocation), context.getExecutionContext())));
    }
  }

  /** A token made ahead, and the invocation it was made for. */
  private record TokenAhead(ToolInvocation madeFor, CompletableFuture<String> token) {
    /** Whether it says what a token for {@code invocation} would say. */
    boolean fits(ToolInvocation invocation) {
      return madeFor.context().equals(invocation.context())
          && madeFor.spec().name().equals(invocation.spec().name())
          && Objects.equals(madeFor.idempotencyKey(), invocation.idempotencyKey())
          && madeFor.attempt() == invocation.attempt();
    }
  }

  /** Spawns the child that runs one tool call under the identity of whoever started the turn. */
  void startTool(SessionState s, ToolCallState call) {
    // the call's span started when its ToolCallStarted was told to the listeners
    ToolInvocation first = invocation(s, call, telemetry.toolTrace(call.callId()));
    TokenAhead ahead = tokensAhead.remove(call.callId());
    if (ahead != null && ahead.fits(first)) {
      first = first.withIdentityToken(ahead.token());
    }
    // a model may reuse a tool-use id at its next step or turn, and a finished call's child keeps
    // its name until its stop is processed: a count of this incarnation's calls keeps names unique
    String name =
        "tool-"
            + ++toolsStarted
            + "-"
            + URLEncoder.encode(call.callId(), StandardCharsets.UTF_8)
            + "-r"
            + call.round();
    context.spawn(ToolCall.create(first, deps.tools(), toolReplies), name);
  }

  /**
   * The first attempt of {@code call}, as the turn's starter, with the call's span {@code trace}.
   */
  private ToolInvocation invocation(SessionState s, ToolCallState call, TraceParent trace) {
    ToolSpec spec = s.tool(call.tool()).orElseThrow();
    Turn turn = s.turn();
    ToolInvocation.CallContext ctx =
        new ToolInvocation.CallContext(
            id.tenant(),
            ApprovalEntries.subjectOf(turn.startedBy()),
            id.id(),
            s.agent().name(),
            turn.turnId(),
            call.callId(),
            s.agent().version());
    return new ToolInvocation(spec, call.input(), call.idempotencyKey(), 1, ctx, trace);
  }

  /**
   * The read sides after a persisted batch: the session's list entry and its usage when its status
   * changed (a turn's end, or its wait for a human), and the approval queue's entries.
   */
  void persisted(SessionState before, SessionState after, List<SessionEvent> events, long seq) {
    if (events.stream().anyMatch(AgentSession::changesListing)) {
      readSidesChanged(after, seq);
    }
    recordApprovals(before, after, events, seq);
  }

  /**
   * The list entry and usage figures changed: they are written now, or, within {@code
   * read-side-interval} of the last write (and for a turn that has just started), once the interval
   * is over, as they are then. A session running turns back to back so writes them about once per
   * interval instead of three times a turn. The approval queue is always written at once: approvers
   * act on it.
   */
  private void readSidesChanged(SessionState s, long seq) {
    readSidesState = s;
    readSidesSeq = seq;
    Duration interval = deps.settings().readSideInterval();
    if (interval.isZero()) {
      writeReadSides();
      return;
    }
    long now = System.nanoTime();
    boolean quiet = now - readSidesWrittenAt >= interval.toNanos();
    if (s.status() != SessionStatus.RUNNING && quiet) {
      writeReadSides();
    } else if (readSidesTimer == null) {
      long wait =
          s.status() == SessionStatus.RUNNING
              ? interval.toNanos()
              : readSidesWrittenAt + interval.toNanos() - now;
      readSidesTimer =
          context.scheduleOnce(
              Duration.ofNanos(Math.max(0, wait)),
              context.getSelf(),
              new AgentSession.WriteReadSides());
    }
  }

  /** The interval is over: the latest list entry and usage figures, if they are not written. */
  void readSidesDue() {
    readSidesTimer = null;
    writeReadSides();
  }

  /** The session stops: what it has not written of its read sides is written now. */
  void stopped() {
    writeReadSides();
  }

  private void writeReadSides() {
    if (readSidesTimer != null) {
      readSidesTimer.cancel();
      readSidesTimer = null;
    }
    if (readSidesState == null) {
      return;
    }
    recordListing(readSidesState, readSidesSeq);
    recordUsage(readSidesState, readSidesSeq);
    readSidesState = null;
    readSidesWrittenAt = System.nanoTime();
  }

  /**
   * Reports each day's usage that changed since this incarnation last reported it: today's, and the
   * day before's final figure when a turn ran over midnight.
   */
  void recordUsage(SessionState s, long sequenceNr) {
    for (DailyUsage day : s.usageByDay()) {
      if (day.equals(usageReported.get(day.day()))) {
        continue;
      }
      deps.usage()
          .record(
              id,
              new UsageLedger.Entry(
                  id.id(),
                  s.agent().name(),
                  s.agent().model().provider(),
                  s.agent().model().id(),
                  day.day(),
                  day.modelCalls(),
                  day.usage()),
              sequenceNr);
      usageReported.put(day.day(), day);
    }
    usageReported.keySet().removeIf(d -> s.usageByDay().stream().noneMatch(u -> u.day().equals(d)));
  }

  /** Records the session's list entry as of event {@code sequenceNr}. */
  void recordListing(SessionState s, long sequenceNr) {
    String lastTurn =
        s.turn() != null
            ? s.turn().turnId()
            : s.recentTurns().isEmpty()
                ? null
                : s.recentTurns().get(s.recentTurns().size() - 1).turnId();
    deps.directory()
        .record(
            id,
            new SessionDirectory.Entry(
                id.id(),
                s.agent().name(),
                s.agent().version(),
                s.status(),
                lastTurn,
                s.createdAt(),
                s.updatedAt()),
            sequenceNr);
  }

  /**
   * Records the approval-queue entries the events of one batch changed: new approvals and unknown
   * outcomes (pending), decisions, and pending ones a failed or closed turn left behind
   * (cancelled).
   */
  void recordApprovals(
      SessionState before, SessionState after, List<SessionEvent> events, long sequenceNr) {
    Turn was = before.turn();
    // calls decided in this batch: a turn that fails after them did not cancel them
    Set<String> decidedNow = new HashSet<>();
    for (SessionEvent e : events) {
      if (e instanceof SessionEvent.ApprovalRequested r) {
        ToolCallState call = after.turn() == null ? null : after.turn().call(r.callId());
        if (call != null) {
          queue(after, after.turn(), call, Status.PENDING, null, null, sequenceNr);
        }
      } else if (e instanceof SessionEvent.ToolCallOutcomeUnknown u) {
        ToolCallState call = after.turn() == null ? null : after.turn().call(u.callId());
        if (call != null) {
          queue(after, after.turn(), call, Status.PENDING, null, null, sequenceNr);
        }
      } else if (e instanceof SessionEvent.ApprovalGranted g && was != null) {
        decidedNow.add(g.callId());
        decided(before, g.callId(), Status.APPROVED, g.decidedBy(), e, sequenceNr);
      } else if (e instanceof SessionEvent.ApprovalDenied d && was != null) {
        decidedNow.add(d.callId());
        decided(
            before,
            d.callId(),
            d.expired() ? Status.EXPIRED : Status.DENIED,
            d.decidedBy(),
            e,
            sequenceNr);
      } else if (e instanceof SessionEvent.OutcomeDecided o && was != null) {
        decidedNow.add(o.callId());
        decided(before, o.callId(), Status.RESOLVED, o.decidedBy(), e, sequenceNr);
      } else if (e instanceof SessionEvent.TurnCompleted && was != null) {
        rerecordDecided(was, sequenceNr);
      } else if ((e instanceof SessionEvent.TurnFailed
              || e instanceof SessionEvent.TurnCancelled
              || e instanceof SessionEvent.SessionClosed)
          && was != null) {
        rerecordDecided(was, sequenceNr);
        for (ToolCallState c : was.calls()) {
          if ((c.awaitingApproval() || c.status() == ToolCallState.Status.UNKNOWN)
              && !decidedNow.contains(c.callId())) {
            queue(before, was, c, Status.CANCELLED, "runtime", e.meta().at(), sequenceNr);
          }
        }
      }
    }
  }

  /**
   * The decisions of a turn that ends, written again: a decision's own write may have failed (its
   * attempts ran out), and once the turn is gone nothing in the state could write it.
   */
  private void rerecordDecided(Turn turn, long sequenceNr) {
    for (ApprovalQueue.Entry d : turn.decided()) {
      deps.approvals().record(id.tenant(), d, sequenceNr);
    }
  }

  /**
   * Records every approval and unknown outcome of the current turn as the state has it (after
   * recovery): those it waits for as pending, those decided during the turn as decided, since a
   * crash may have come between an event and its queue write.
   */
  void recordTurnApprovals(SessionState s, long sequenceNr) {
    if (s.turn() == null || s.broken()) {
      return;
    }
    rerecordDecided(s.turn(), sequenceNr);
    for (ToolCallState c : s.turn().calls()) {
      if (c.awaitingApproval() || c.status() == ToolCallState.Status.UNKNOWN) {
        queue(s, s.turn(), c, Status.PENDING, null, null, sequenceNr);
      }
    }
  }

  private void decided(
      SessionState before,
      String callId,
      Status status,
      String by,
      SessionEvent e,
      long sequenceNr) {
    ToolCallState c = before.turn().call(callId);
    if (c != null) {
      queue(before, before.turn(), c, status, by, e.meta().at(), sequenceNr);
    }
  }

  private void queue(
      SessionState s,
      Turn turn,
      ToolCallState c,
      Status status,
      String decidedBy,
      java.time.Instant decidedAt,
      long sequenceNr) {
    deps.approvals()
        .record(
            id.tenant(),
            ApprovalEntries.entry(s, turn, c, status, decidedBy, decidedAt),
            sequenceNr);
  }

  /**
   * The conversation as the model may see it: redacted for the model stage when the agent's
   * guardrails say so (the journal may keep values the model provider must not receive).
   */
  private List<ChatMessage> forModel(SessionState s) {
    Guardrails g = deps.guardrails().of(s.agent());
    if (!g.redacts(Stage.MODEL)) {
      return s.messages();
    }
    return s.messages().stream()
        .map(
            m ->
                new ChatMessage(
                    m.role(),
                    m.text() == null ? null : g.redact(m.text(), Stage.MODEL),
                    m.toolUses().stream()
                        .map(
                            u ->
                                new ToolUse(
                                    u.id(),
                                    u.name(),
                                    u.input() == null ? null : g.redact(u.input(), Stage.MODEL)))
                        .toList(),
                    m.toolResults().stream()
                        .map(
                            r ->
                                new ToolResultBlock(
                                    r.toolUseId(),
                                    r.content() == null ? null : g.redact(r.content(), Stage.MODEL),
                                    r.error()))
                        .toList()))
        .toList();
  }

  private static List<ToolDescriptor> descriptors(SessionState s) {
    return s.agent().tools().stream()
        .map(s::tool)
        .flatMap(Optional::stream)
        .map(t -> new ToolDescriptor(t.name(), t.description(), t.inputSchema()))
        .toList();
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }
}

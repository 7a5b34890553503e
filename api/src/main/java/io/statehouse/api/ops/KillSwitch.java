package io.statehouse.api.ops;

import io.statehouse.runtime.Asks;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.StatehouseRuntime;
import io.statehouse.runtime.session.AgentSession;
import io.statehouse.runtime.session.SessionDirectory;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.session.SessionStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Stops every running turn of a tenant, or of one of its agents. Two sources name the sessions to
 * tell: the session list (turns in progress: running, awaiting approval, needing a decision, also
 * of sessions passivated while they wait for a human), and every node's memory (a session with a
 * running turn is never passivated; the list may not show a turn younger than {@code
 * statehouse.session.read-side-interval}). Each is told to cancel its turn, as its owner could, in
 * the operator's name; with an agent, a session of another agent refuses. A turn that ends or
 * starts while the switch runs may be missed or already gone: the answer lists the sessions whose
 * turn it cancelled. At most {@code maxSessions} sessions per call, {@code parallelism} at a time.
 */
public final class KillSwitch {
  /**
   * What one use of the switch did. {@code truncated}: more sessions matched than one call stops.
   */
  public record Result(int cancelled, List<String> sessions, boolean truncated) {}

  private static final List<SessionStatus> TURN_IN_PROGRESS =
      List.of(SessionStatus.RUNNING, SessionStatus.AWAITING_APPROVAL, SessionStatus.NEEDS_DECISION);

  private final StatehouseRuntime runtime;
  private final SessionDirectory directory;
  private final ActorSystem<?> system;
  private final Duration askTimeout;
  private final int maxSessions;
  private final int parallelism;

  public KillSwitch(
      StatehouseRuntime runtime,
      SessionDirectory directory,
      ActorSystem<?> system,
      Duration askTimeout,
      int maxSessions,
      int parallelism) {
    this.runtime = runtime;
    this.directory = directory;
    this.system = system;
    this.askTimeout = askTimeout;
    this.maxSessions = maxSessions;
    this.parallelism = parallelism;
  }

  /** Cancels the running turns of {@code operator}'s tenant; of {@code agent} only when present. */
  public CompletionStage<Result> pull(Principal operator, Optional<String> agent) {
    CompletionStage<NodeOps.LiveSessions> live =
        NodeOps.liveSessions(system, operator.tenant(), maxSessions + 1, askTimeout);
    return candidates(operator.tenant(), agent, 0, new ArrayList<>())
        .thenCombine(
            live,
            (listed, inMemory) -> {
              // the listed turns first; the sessions in memory (most of them idle) fill the room
              // left, so that many idle sessions neither crowd out a listed turn nor make every
              // call "truncated"
              Set<String> take = new LinkedHashSet<>(listed);
              take.addAll(inMemory.sessionIds());
              return new Candidates(
                  take.stream().limit(maxSessions).toList(), listed.size() > maxSessions);
            })
        .thenCompose(
            candidates -> {
              boolean truncated = candidates.truncated();
              return Source.from(candidates.ids())
                  .mapAsyncUnordered(parallelism, id -> cancel(operator, agent, id))
                  .filter(Optional::isPresent)
                  .map(Optional::get)
                  .runWith(Sink.seq(), system)
                  .thenApply(
                      cancelled ->
                          new Result(
                              cancelled.size(), cancelled.stream().sorted().toList(), truncated));
            });
  }

  /** Whom to tell; {@code truncated}: more listed turns in progress than one call stops. */
  private record Candidates(List<String> ids, boolean truncated) {}

  /** The session id, when its turn was cancelled; empty when it had none (any more). */
  private CompletionStage<Optional<String>> cancel(
      Principal operator, Optional<String> agent, String id) {
    return Asks.askWithStatus(
            runtime.session(new SessionId(operator.tenant(), id)),
            AgentSession.TurnOutcome.class,
            r -> new AgentSession.Cancel(operator, agent.orElse(null), r),
            askTimeout)
        .handle((outcome, error) -> error == null ? Optional.of(id) : Optional.<String>empty());
  }

  /**
   * The ids of sessions with a turn in progress, one status after another, page by page, until more
   * than {@code maxSessions} matched.
   */
  private CompletionStage<List<String>> candidates(
      String tenant, Optional<String> agent, int status, List<String> ids) {
    int room = maxSessions + 1 - ids.size();
    if (status == TURN_IN_PROGRESS.size() || room <= 0) {
      return CompletableFuture.completedFuture(ids);
    }
    return Pages.read(
            after ->
                directory.list(
                    tenant, Optional.of(TURN_IN_PROGRESS.get(status)), Pages.SIZE, after),
            SessionDirectory.Entry::sessionId,
            e -> agent.isEmpty() || agent.get().equals(e.agent()),
            room)
        .thenCompose(
            read -> {
              read.rows().forEach(e -> ids.add(e.sessionId()));
              return candidates(tenant, agent, status + 1, ids);
            });
  }
}

package io.statehouse.api.stream;

import io.statehouse.api.dto.Views;
import io.statehouse.runtime.Asks;
import io.statehouse.runtime.audit.ChainedEvent;
import io.statehouse.runtime.session.AgentSession;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.stream.FeedItem;
import io.statehouse.runtime.workspace.Workspace;
import io.statehouse.runtime.workspace.WorkspaceEvent;
import io.statehouse.runtime.workspace.WorkspaceId;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;

/** The entities a live stream can follow: sessions and team workspaces. */
public final class StreamSources {
  private static final String SESSION_CLOSED = SessionEvent.SessionClosed.class.getSimpleName();
  // a run's stream ends with the run; an ended run's last event (its members closed) ends a stream
  // that starts after the run's end
  private static final Set<String> RUN_ENDS =
      Set.of(
          WorkspaceEvent.RunEnded.class.getSimpleName(),
          WorkspaceEvent.MembersClosed.class.getSimpleName());

  private final Function<SessionId, EntityRef<AgentSession.Command>> sessions;
  private final Function<WorkspaceId, EntityRef<Workspace.Command>> workspaces;

  public StreamSources(
      Function<SessionId, EntityRef<AgentSession.Command>> sessions,
      Function<WorkspaceId, EntityRef<Workspace.Command>> workspaces) {
    this.sessions = sessions;
    this.workspaces = workspaces;
  }

  /** Session {@code id}: its stream ends after {@code SessionClosed}. */
  public StreamSource session(SessionId id) {
    return new Source(
        id.persistenceId().id(),
        Set.of(SESSION_CLOSED),
        EndReason.SESSION_CLOSED,
        (hub, timeout) ->
            watch(
                sessions.apply(id),
                AgentSession.Watching.class,
                r -> new AgentSession.Watch(hub, r),
                timeout,
                AgentSession.Watching::lastSeq,
                AgentSession.Watching::session,
                AgentSession.Unwatch::new));
  }

  /** Team workspace {@code id}: its stream ends after the run's end. */
  public StreamSource workspace(WorkspaceId id) {
    return new Source(
        id.persistenceId().id(),
        RUN_ENDS,
        EndReason.RUN_ENDED,
        (hub, timeout) ->
            watch(
                workspaces.apply(id),
                Workspace.Watching.class,
                r -> new Workspace.Watch(hub, r),
                timeout,
                Workspace.Watching::lastSeq,
                Workspace.Watching::workspace,
                Workspace.Unwatch::new));
  }

  /**
   * Asks {@code entity} to feed a hub; the incarnation that answers is told {@code unwatch} when
   * the hub stops watching it.
   */
  private static <C, W> CompletionStage<StreamSource.Incarnation> watch(
      EntityRef<C> entity,
      Class<W> answer,
      Function<ActorRef<StatusReply<W>>, C> ask,
      Duration timeout,
      ToLongFunction<W> lastSeq,
      Function<W, ActorRef<C>> incarnation,
      Function<ActorRef<FeedItem>, C> unwatch) {
    return Asks.askWithStatus(entity, answer, ask, timeout)
        .thenApply(
            w -> {
              ActorRef<C> ref = incarnation.apply(w);
              return new Watched(lastSeq.applyAsLong(w), ref, h -> ref.tell(unwatch.apply(h)));
            });
  }

  private interface Watcher {
    CompletionStage<StreamSource.Incarnation> watch(ActorRef<FeedItem> hub, Duration timeout);
  }

  private static final class Source implements StreamSource {
    private final String persistenceId;
    private final Set<String> lastTypes;
    private final EndReason end;
    private final Watcher watcher;

    Source(String persistenceId, Set<String> lastTypes, EndReason end, Watcher watcher) {
      this.persistenceId = persistenceId;
      this.lastTypes = lastTypes;
      this.end = end;
      this.watcher = watcher;
    }

    @Override
    public String persistenceId() {
      return persistenceId;
    }

    @Override
    public CompletionStage<Incarnation> watch(ActorRef<FeedItem> hub, Duration timeout) {
      return watcher.watch(hub, timeout);
    }

    @Override
    public Frame.Event journalFrame(long seq, Object event) {
      ChainedEvent e = (ChainedEvent) event;
      return new Frame.Event(
          seq, e.getClass().getSimpleName(), StreamHub.json(Views.event(seq, e)));
    }

    @Override
    public Optional<EndReason> endsAfter(Frame.Event event) {
      return lastTypes.contains(event.type()) ? Optional.of(end) : Optional.empty();
    }
  }

  private record Watched(
      long lastSeq, ActorRef<?> ref, java.util.function.Consumer<ActorRef<FeedItem>> unwatcher)
      implements StreamSource.Incarnation {
    @Override
    public void unwatch(ActorRef<FeedItem> hub) {
      unwatcher.accept(hub);
    }
  }
}

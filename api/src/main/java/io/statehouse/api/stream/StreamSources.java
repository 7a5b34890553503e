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
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/** The entities a live stream can follow: sessions and team workspaces. */
public final class StreamSources {
  private static final String SESSION_CLOSED = SessionEvent.SessionClosed.class.getSimpleName();
  // a run's stream ends with the run; an ended run's last event (its members closed) ends a stream
  // that starts after the run's end
  private static final java.util.Set<String> RUN_ENDS =
      java.util.Set.of(
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
    return new Source(id.persistenceId().id(), SESSION_CLOSED, EndReason.SESSION_CLOSED) {
      @Override
      public CompletionStage<StreamSource.Incarnation> watch(
          ActorRef<FeedItem> hub, Duration timeout) {
        return Asks.askWithStatus(
                sessions.apply(id),
                AgentSession.Watching.class,
                r -> new AgentSession.Watch(hub, r),
                timeout)
            .thenApply(
                w ->
                    new Watched(
                        w.lastSeq(),
                        w.session(),
                        h -> w.session().tell(new AgentSession.Unwatch(h))));
      }
    };
  }

  /** Team workspace {@code id}: its stream ends after the run's end. */
  public StreamSource workspace(WorkspaceId id) {
    return new Source(id.persistenceId().id(), null, EndReason.RUN_ENDED) {
      @Override
      public CompletionStage<StreamSource.Incarnation> watch(
          ActorRef<FeedItem> hub, Duration timeout) {
        return Asks.askWithStatus(
                workspaces.apply(id),
                Workspace.Watching.class,
                r -> new Workspace.Watch(hub, r),
                timeout)
            .thenApply(
                w ->
                    new Watched(
                        w.lastSeq(),
                        w.workspace(),
                        h -> w.workspace().tell(new Workspace.Unwatch(h))));
      }

      @Override
      public Optional<EndReason> endsAfter(Frame.Event event) {
        return RUN_ENDS.contains(event.type())
            ? Optional.of(EndReason.RUN_ENDED)
            : Optional.empty();
      }
    };
  }

  private abstract static class Source implements StreamSource {
    private final String persistenceId;
    private final String lastType;
    private final EndReason end;

    Source(String persistenceId, String lastType, EndReason end) {
      this.persistenceId = persistenceId;
      this.lastType = lastType;
      this.end = end;
    }

    @Override
    public String persistenceId() {
      return persistenceId;
    }

    @Override
    public Frame.Event journalFrame(long seq, Object event) {
      ChainedEvent e = (ChainedEvent) event;
      return new Frame.Event(
          seq, e.getClass().getSimpleName(), StreamHub.json(Views.event(seq, e)));
    }

    @Override
    public Optional<EndReason> endsAfter(Frame.Event event) {
      return event.type().equals(lastType) ? Optional.of(end) : Optional.empty();
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

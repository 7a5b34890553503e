package io.statehouse.api.stream;

import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.stream.FeedItem;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The frames one client of a live stream gets: the events of a session or team workspace ({@link
 * StreamSource}) after the one it names, read from the journal, then whatever the entity persists
 * and streams from now on, each event exactly once and in order, ending with an {@code end} frame.
 *
 * <p>Why nothing is lost or repeated. The client joins the hub before it reads the journal, and the
 * hub has the session's watch before it lets the client start, so every event is either in that
 * read or arrives live afterwards; live events the read already gave are skipped by sequence
 * number. Delivery from another node is at most once: a live batch that starts past the next
 * expected number means some were lost (the session moved, a node died), and the client reads the
 * gap from the journal before it goes on. A delta is shown only while the client stands exactly at
 * the event its model call followed, so a client never sees deltas of an answer whose {@code
 * ModelReplied} it already has.
 */
public final class ClientFeed {
  private final ActorRef<StreamHub.Command> hub;
  private final CurrentEventsByPersistenceIdQuery journal;
  private final StreamSettings settings;
  private final ActorSystem<?> system;
  private final StreamSources sources;
  // live-stream clients of this node, up and down as their streams start and end; null: uncounted
  private GaugeDataPoint subscribers;

  public ClientFeed(
      ActorRef<StreamHub.Command> hub,
      CurrentEventsByPersistenceIdQuery journal,
      StreamSettings settings,
      ActorSystem<?> system,
      StreamSources sources) {
    this.hub = hub;
    this.journal = journal;
    this.settings = settings;
    this.system = system;
    this.sources = sources;
  }

  /** Counts the clients of live streams on {@code gauge}. Call once, at wiring. */
  public ClientFeed withSubscribers(GaugeDataPoint gauge) {
    this.subscribers = gauge;
    return this;
  }

  public StreamSettings settings() {
    return settings;
  }

  /** What a stream can follow. */
  public StreamSources sources() {
    return sources;
  }

  /** {@code source}'s frames after event {@code after} (0: from the start). */
  public Source<Frame, NotUsed> frames(StreamSource source, long after) {
    // nothing is asked of the hub until the response is really written: a client gone before
    // then leaves no subscription (and no watched entity) behind
    return Source.lazySource(() -> start(source, after))
        .mapMaterializedValue(m -> NotUsed.getInstance());
  }

  private Source<Frame, NotUsed> start(StreamSource source, long after) {
    Pair<BoundedSourceQueue<ClientItem>, Source<ClientItem, NotUsed>> live =
        Source.<ClientItem>queue(settings.clientBuffer()).preMaterialize(system);
    BoundedSourceQueue<ClientItem> queue = live.first();
    Cursor cursor = new Cursor(source, after);
    if (subscribers != null) {
      subscribers.inc();
    }
    CompletionStage<StatusReply<Long>> joined =
        AskPattern.ask(
            hub,
            r -> new StreamHub.Subscribe(source, queue, r),
            settings.watchTimeout().plus(settings.watchTimeout()),
            system.scheduler());
    java.util.function.Function<Long, Source<Frame, NotUsed>> body =
        journalEnd ->
            Source.<ClientItem>single(new ClientItem.Resync(journalEnd))
                .concat(
                    live.second()
                        // while the client is behind, its deltas of one answer join into one frame
                        .batchWeighted(
                            settings.clientBufferChars(),
                            ClientFeed::weight,
                            item -> new Backlog().add(item),
                            Backlog::add)
                        .mapConcat(Backlog::items))
                .flatMapConcat(cursor::framesFor)
                .mapConcat(
                    f ->
                        f instanceof Frame.Event e
                            ? source
                                .endsAfter(e)
                                .<List<Frame>>map(
                                    reason -> List.of(f, new Frame.End(reason, e.seq())))
                                .orElse(List.of(f))
                            : List.of(f))
                .takeWhile(f -> !(f instanceof Frame.End), true);
    return Source.completionStageSource(
            joined.handle(
                (reply, error) ->
                    error == null && reply.isSuccess()
                        ? body.apply(reply.getValue())
                        : Source.<Frame>single(new Frame.End(EndReason.UNAVAILABLE, after))))
        .recover(
            new PFBuilder<Throwable, Frame>()
                .match(StreamEnded.class, e -> new Frame.End(e.reason(), cursor.last))
                .build())
        .keepAlive(settings.heartbeat(), Frame.Heartbeat::new)
        .watchTermination(
            (mat, done) -> {
              done.whenComplete(
                  (d, e) -> {
                    if (subscribers != null) {
                      subscribers.dec();
                    }
                    queue.complete();
                    hub.tell(new StreamHub.Unsubscribe(source, queue));
                  });
              return NotUsed.getInstance();
            });
  }

  /** What an item holds, in characters: what the client's buffer is bounded by. */
  private static long weight(ClientItem item) {
    if (item instanceof ClientItem.LiveDelta d) {
      // what a joined delta grows by: its text (the frame around it is written once)
      return d.delta().delta() instanceof ModelDelta.Text t
          ? t.text().length()
          : ((ModelDelta.ToolInput) d.delta().delta()).json().length();
    }
    if (item instanceof ClientItem.Live l) {
      return l.frames().stream().mapToLong(f -> f.dataJson().length()).sum();
    }
    return 1;
  }

  /**
   * The items a client has not taken yet. A delta that continues the last one (the same answer, try
   * and kind, the same tool use) joins it, so a slow client gets fewer, larger deltas and the same
   * text. Joined pieces are kept in one builder and rendered once, when the client takes them: a
   * client far behind costs time in what it is behind by, not in its square.
   */
  static final class Backlog {
    private final List<ClientItem> items = new ArrayList<>();
    // the delta being joined, its first frame, and the text of all its pieces so far
    private ClientItem.LiveDelta head;
    private StringBuilder joined;
    private int pieces;

    Backlog add(ClientItem item) {
      if (head != null
          && item instanceof ClientItem.LiveDelta d
          && joinable(head.delta(), d.delta())) {
        joined.append(piece(d.delta().delta()));
        pieces++;
        return this;
      }
      flush();
      if (item instanceof ClientItem.LiveDelta d) {
        head = d;
        joined = new StringBuilder(piece(d.delta().delta()));
        pieces = 1;
      } else {
        items.add(item);
      }
      return this;
    }

    List<ClientItem> items() {
      flush();
      return items;
    }

    private void flush() {
      if (head == null) {
        return;
      }
      if (pieces == 1) {
        items.add(head);
      } else {
        FeedItem.Delta h = head.delta();
        ModelDelta whole =
            h.delta() instanceof ModelDelta.ToolInput t
                ? new ModelDelta.ToolInput(t.toolUseId(), t.tool(), joined.toString())
                : new ModelDelta.Text(joined.toString());
        FeedItem.Delta d =
            new FeedItem.Delta(h.source(), h.afterSeq(), h.turnId(), h.step(), h.attempt(), whole);
        items.add(new ClientItem.LiveDelta(d, StreamHub.deltaFrame(d)));
      }
      head = null;
      joined = null;
    }
  }

  private static String piece(ModelDelta d) {
    return d instanceof ModelDelta.Text t ? t.text() : ((ModelDelta.ToolInput) d).json();
  }

  private static boolean joinable(FeedItem.Delta a, FeedItem.Delta b) {
    if (a.afterSeq() != b.afterSeq()
        || a.step() != b.step()
        || a.attempt() != b.attempt()
        || !a.turnId().equals(b.turnId())) {
      return false;
    }
    if (a.delta() instanceof ModelDelta.Text && b.delta() instanceof ModelDelta.Text) {
      return true;
    }
    return a.delta() instanceof ModelDelta.ToolInput x
        && b.delta() instanceof ModelDelta.ToolInput y
        && x.toolUseId().equals(y.toolUseId());
  }

  /**
   * Where one client stands: the last event it was given. Updated as frames leave their substream,
   * so when the next item's frames are decided, every earlier frame is counted.
   */
  private final class Cursor {
    private final StreamSource source;
    volatile long last;

    Cursor(StreamSource source, long after) {
      this.source = source;
      this.last = after;
    }

    Source<Frame, NotUsed> framesFor(ClientItem item) {
      if (item instanceof ClientItem.Resync r) {
        return r.lastSeq() > last ? fromJournal(last + 1, r.lastSeq()) : Source.empty();
      }
      if (item instanceof ClientItem.LiveDelta d) {
        return d.frame().afterSeq() == last ? Source.single(d.frame()) : Source.empty();
      }
      ClientItem.Live l = (ClientItem.Live) item;
      List<Frame> fresh =
          l.frames().stream().filter(f -> f.seq() > last).map(f -> (Frame) f).toList();
      if (fresh.isEmpty()) {
        return Source.empty();
      }
      Source<Frame, NotUsed> gap =
          l.firstSeq() > last + 1 ? fromJournal(last + 1, l.firstSeq() - 1) : Source.empty();
      return gap.concat(Source.from(fresh).map(this::passed));
    }

    private Source<Frame, NotUsed> fromJournal(long from, long to) {
      return journal
          .currentEventsByPersistenceId(source.persistenceId(), from, to)
          .map(env -> passed(source.journalFrame(env.sequenceNr(), env.event())));
    }

    private Frame passed(Frame f) {
      if (f instanceof Frame.Event e && e.seq() > last) {
        last = e.seq();
      }
      return f;
    }
  }
}

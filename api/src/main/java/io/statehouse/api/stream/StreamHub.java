package io.statehouse.api.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.statehouse.api.dto.Views;
import io.statehouse.api.http.ApiJson;
import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.stream.FeedItem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;

/**
 * The node's one hub of live streams. For each entity (a session, a team workspace) that has
 * clients on this node it watches the entity (wherever in the cluster it runs) once, renders what
 * the entity sends once, and offers it to each client's bounded buffer. A client whose buffer is
 * full is ended ({@code slow_consumer}); no client ever makes the hub, or the entity, wait.
 *
 * <p>Lifecycle of a watch: the first client of an entity makes the hub watch it ({@link
 * StreamSource#watch}, through sharding); clients are told to start once the entity answered, so
 * everything persisted after their journal read reaches them live. When the watched incarnation
 * stops (its node died, it moved), the hub watches again with backoff and tells its clients where
 * the journal ends, so they read what they missed. The last client leaving unwatches the entity.
 */
public final class StreamHub extends AbstractBehavior<StreamHub.Command> {

  /** Everything the hub accepts. */
  public sealed interface Command {}

  /**
   * Adds {@code client}, a live-stream buffer, for {@code source}. Replies once the entity is
   * watched, with the last event the hub knows of: every event after it reaches the client live, or
   * as a jump in sequence numbers it fills from the journal.
   */
  public record Subscribe(
      StreamSource source,
      BoundedSourceQueue<ClientItem> client,
      ActorRef<StatusReply<Long>> replyTo)
      implements Command {}

  /** The client's stream of {@code source} ended. No reply. */
  public record Unsubscribe(StreamSource source, BoundedSourceQueue<ClientItem> client)
      implements Command {}

  private record Fed(FeedItem item) implements Command {}

  private record Watched(String key, StreamSource.Incarnation incarnation, boolean again)
      implements Command {}

  private record WatchFailed(String key, Throwable error, boolean again) implements Command {}

  private record EntityStopped(String key, ActorRef<?> incarnation) implements Command {}

  private record Rewatch(String key) implements Command {}

  /** One watched entity: its clients, and the incarnation that answered the watch. */
  private static final class Watch {
    final StreamSource source;
    final Set<BoundedSourceQueue<ClientItem>> clients = new LinkedHashSet<>();
    final List<ActorRef<StatusReply<Long>>> waiting = new ArrayList<>();
    StreamSource.Incarnation incarnation;
    // the last event the entity reported (by its watch's answer or a batch)
    long lastSeq;
    boolean asking;
    int failures;

    Watch(StreamSource source) {
      this.source = source;
    }

    String key() {
      return source.persistenceId();
    }
  }

  private final StreamSettings settings;
  private final TimerScheduler<Command> timers;
  private final ActorRef<FeedItem> feed;
  // by the watched entity's persistence id, which its feed items carry
  private final Map<String, Watch> watches = new HashMap<>();

  private StreamHub(
      ActorContext<Command> context, TimerScheduler<Command> timers, StreamSettings settings) {
    super(context);
    this.timers = timers;
    this.settings = settings;
    this.feed = context.messageAdapter(FeedItem.class, Fed::new);
  }

  public static Behavior<Command> create(StreamSettings settings) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new StreamHub(ctx, timers, settings)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Subscribe.class, this::onSubscribe)
        .onMessage(Unsubscribe.class, this::onUnsubscribe)
        .onMessage(Fed.class, f -> onFed(f.item()))
        .onMessage(Watched.class, this::onWatched)
        .onMessage(WatchFailed.class, this::onWatchFailed)
        .onMessage(EntityStopped.class, this::onEntityStopped)
        .onMessage(Rewatch.class, r -> onRewatch(r.key()))
        .build();
  }

  private Behavior<Command> onSubscribe(Subscribe s) {
    Watch w = watches.computeIfAbsent(s.source().persistenceId(), k -> new Watch(s.source()));
    w.clients.add(s.client());
    if (w.incarnation != null) {
      s.replyTo().tell(StatusReply.success(w.lastSeq));
    } else {
      w.waiting.add(s.replyTo());
      if (!w.asking) {
        watch(w, false);
      }
    }
    return this;
  }

  private Behavior<Command> onUnsubscribe(Unsubscribe u) {
    Watch w = watches.get(u.source().persistenceId());
    if (w != null && w.clients.remove(u.client()) && w.clients.isEmpty()) {
      drop(w);
    }
    return this;
  }

  private void watch(Watch w, boolean again) {
    w.asking = true;
    String key = w.key();
    getContext()
        .pipeToSelf(
            w.source.watch(feed, settings.watchTimeout()),
            (incarnation, error) ->
                error == null
                    ? new Watched(key, incarnation, again)
                    : new WatchFailed(key, error, again));
  }

  private Behavior<Command> onWatched(Watched m) {
    Watch w = watches.get(m.key());
    if (w == null) {
      // every client left while the entity was asked: it need not be watched
      m.incarnation().unwatch(feed);
      return this;
    }
    w.asking = false;
    w.failures = 0;
    w.incarnation = m.incarnation();
    w.lastSeq = Math.max(w.lastSeq, m.incarnation().lastSeq());
    getContext().watchWith(w.incarnation.ref(), new EntityStopped(m.key(), w.incarnation.ref()));
    long last = w.lastSeq;
    w.waiting.forEach(r -> r.tell(StatusReply.success(last)));
    w.waiting.clear();
    if (m.again()) {
      offerAll(w, new ClientItem.Resync(m.incarnation().lastSeq()));
    }
    return this;
  }

  private Behavior<Command> onWatchFailed(WatchFailed m) {
    Watch w = watches.get(m.key());
    if (w == null) {
      return this;
    }
    w.asking = false;
    if (!m.again()) {
      // a first watch: the clients' requests fail with it
      w.waiting.forEach(r -> r.tell(StatusReply.error(m.error())));
      w.waiting.clear();
      w.clients.forEach(c -> c.fail(new StreamEnded(EndReason.UNAVAILABLE)));
      watches.remove(m.key());
      return this;
    }
    w.failures++;
    if (w.failures >= settings.rewatchMaxAttempts()) {
      // the entity does not come back: its clients end, to resume once it does
      w.clients.forEach(c -> c.fail(new StreamEnded(EndReason.UNAVAILABLE)));
      w.clients.clear();
      watches.remove(m.key());
      return this;
    }
    timers.startSingleTimer(m.key(), new Rewatch(m.key()), backoff(w.failures));
    return this;
  }

  private Behavior<Command> onEntityStopped(EntityStopped m) {
    Watch w = watches.get(m.key());
    if (w != null && w.incarnation != null && m.incarnation().equals(w.incarnation.ref())) {
      w.incarnation = null;
      timers.startSingleTimer(m.key(), new Rewatch(m.key()), backoff(0));
    }
    return this;
  }

  private Behavior<Command> onRewatch(String key) {
    Watch w = watches.get(key);
    if (w != null && w.incarnation == null && !w.asking) {
      watch(w, true);
    }
    return this;
  }

  private Duration backoff(int failures) {
    Duration d = settings.rewatchMin().multipliedBy(1L << Math.min(failures, 10));
    return d.compareTo(settings.rewatchMax()) > 0 ? settings.rewatchMax() : d;
  }

  private Behavior<Command> onFed(FeedItem item) {
    Watch w = watches.get(item.source());
    if (w == null || w.clients.isEmpty()) {
      return this;
    }
    if (item instanceof FeedItem.Events e) {
      w.lastSeq = Math.max(w.lastSeq, e.lastSeq());
      List<Frame.Event> frames = new ArrayList<>(e.events().size());
      long seq = e.firstSeq();
      for (FeedItem.StoredEvent stored : e.events()) {
        frames.add(eventFrame(seq++, stored));
      }
      offerAll(w, new ClientItem.Live(e.firstSeq(), frames));
    } else if (item instanceof FeedItem.Delta d) {
      offerAll(w, new ClientItem.LiveDelta(d, deltaFrame(d)));
    }
    return this;
  }

  /** Offers to every client; one whose buffer is full, or which is gone, leaves. */
  private void offerAll(Watch w, ClientItem item) {
    Iterator<BoundedSourceQueue<ClientItem>> it = w.clients.iterator();
    while (it.hasNext()) {
      BoundedSourceQueue<ClientItem> client = it.next();
      QueueOfferResult result = client.offer(item);
      if (result != QueueOfferResult.enqueued()) {
        if (result == QueueOfferResult.dropped()) {
          client.fail(new StreamEnded(EndReason.SLOW_CONSUMER));
        }
        it.remove();
      }
    }
    if (w.clients.isEmpty()) {
      drop(w);
    }
  }

  private void drop(Watch w) {
    watches.remove(w.key());
    timers.cancel(w.key());
    if (w.incarnation != null) {
      getContext().unwatch(w.incarnation.ref());
      w.incarnation.unwatch(feed);
    }
  }

  static Frame.Event eventFrame(long seq, FeedItem.StoredEvent e) {
    return new Frame.Event(
        seq, e.type(), json(Views.storedEvent(seq, e.type(), e.json(), e.hash())));
  }

  static Frame.Delta deltaFrame(FeedItem.Delta d) {
    ObjectNode data = ApiJson.WRITER.createObjectNode();
    data.put("turnId", d.turnId()).put("step", d.step()).put("attempt", d.attempt());
    if (d.delta() instanceof ModelDelta.Text t) {
      data.put("kind", "text").put("text", t.text());
    } else if (d.delta() instanceof ModelDelta.ToolInput t) {
      data.put("kind", "tool_input")
          .put("toolUseId", t.toolUseId())
          .put("tool", t.tool())
          .put("json", t.json());
    }
    return new Frame.Delta(d.afterSeq(), data.toString());
  }

  static String json(Object view) {
    try {
      return ApiJson.WRITER.writeValueAsString(view);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render a stream frame", e);
    }
  }
}

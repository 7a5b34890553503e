package io.statehouse.runtime.stream;

import io.statehouse.runtime.audit.ChainedEvent;
import io.statehouse.runtime.model.ModelDelta;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The stream hubs watching one entity incarnation (a session, a team workspace), and what it sends
 * them. Lives only as long as the incarnation: a hub whose entity stops watches the next
 * incarnation again and fills the gap from the journal.
 *
 * <p>Events go out after they are persisted, from the actor. Deltas may go out from another thread
 * (a model client's), so the set of hubs is published through a volatile field; with nobody
 * watching, an entity pays one volatile read per delta and nothing per event.
 */
public final class FeedWatchers {
  private final String source;
  private volatile Set<ActorRef<FeedItem>> hubs = Set.of();

  /** {@code source}: the entity's persistence id, which every item it sends carries. */
  public FeedWatchers(String source) {
    this.source = source;
  }

  /** Adds a hub; false if it already watched. */
  public boolean add(ActorRef<FeedItem> hub) {
    if (hubs.contains(hub)) {
      return false;
    }
    Set<ActorRef<FeedItem>> next = new HashSet<>(hubs);
    next.add(hub);
    hubs = Set.copyOf(next);
    return true;
  }

  public void remove(ActorRef<FeedItem> hub) {
    if (hubs.contains(hub)) {
      Set<ActorRef<FeedItem>> next = new HashSet<>(hubs);
      next.remove(hub);
      hubs = Set.copyOf(next);
    }
  }

  public boolean watched() {
    return !hubs.isEmpty();
  }

  /** Sends a batch just persisted, whose last event has sequence number {@code lastSeq}. */
  public void events(List<? extends ChainedEvent> events, long lastSeq) {
    Set<ActorRef<FeedItem>> now = hubs;
    if (now.isEmpty() || events.isEmpty()) {
      return;
    }
    FeedItem.Events item =
        new FeedItem.Events(
            source,
            lastSeq - events.size() + 1,
            events.stream().map(FeedItem.StoredEvent::of).toList());
    now.forEach(h -> h.tell(item));
  }

  /**
   * Sends a delta of try {@code attempt} of model call {@code step}, started after event {@code
   * afterSeq}.
   */
  public void delta(long afterSeq, String turnId, int step, int attempt, ModelDelta delta) {
    Set<ActorRef<FeedItem>> now = hubs;
    if (now.isEmpty()) {
      return;
    }
    FeedItem.Delta item = new FeedItem.Delta(source, afterSeq, turnId, step, attempt, delta);
    now.forEach(h -> h.tell(item));
  }
}

package io.statehouse.runtime.session;

import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.stream.FeedItem;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The stream hubs watching one session incarnation, and what it sends them. Lives only as long as
 * the incarnation: a hub whose session stops (passivation is held off while watched; a crash, a
 * rebalance) watches the next incarnation again and fills the gap from the journal.
 *
 * <p>Events go out after they are persisted, from the actor. Deltas go out from the model client's
 * thread, so the set of hubs is published through a volatile field; with nobody watching, a session
 * pays one volatile read per delta and nothing per event.
 */
final class SessionFeed implements SessionListener {
  private final String entityId;
  private volatile Set<ActorRef<FeedItem>> hubs = Set.of();

  SessionFeed(String entityId) {
    this.entityId = entityId;
  }

  /** Adds a hub; false if it already watched. */
  boolean add(ActorRef<FeedItem> hub) {
    if (hubs.contains(hub)) {
      return false;
    }
    Set<ActorRef<FeedItem>> next = new HashSet<>(hubs);
    next.add(hub);
    hubs = Set.copyOf(next);
    return true;
  }

  void remove(ActorRef<FeedItem> hub) {
    if (hubs.contains(hub)) {
      Set<ActorRef<FeedItem>> next = new HashSet<>(hubs);
      next.remove(hub);
      hubs = Set.copyOf(next);
    }
  }

  boolean watched() {
    return !hubs.isEmpty();
  }

  /** Sends a persisted batch to the hubs watching. */
  @Override
  public void persisted(
      SessionState before, SessionState after, List<SessionEvent> events, long lastSeq) {
    Set<ActorRef<FeedItem>> now = hubs;
    if (now.isEmpty() || events.isEmpty()) {
      return;
    }
    FeedItem.Events item =
        new FeedItem.Events(
            entityId,
            lastSeq - events.size() + 1,
            events.stream().map(FeedItem.StoredEvent::of).toList());
    now.forEach(h -> h.tell(item));
  }

  /**
   * Sends a delta of try {@code attempt} of model call {@code step}, started after event {@code
   * afterSeq}.
   */
  void delta(long afterSeq, String turnId, int step, int attempt, ModelDelta delta) {
    Set<ActorRef<FeedItem>> now = hubs;
    if (now.isEmpty()) {
      return;
    }
    FeedItem.Delta item = new FeedItem.Delta(entityId, afterSeq, turnId, step, attempt, delta);
    now.forEach(h -> h.tell(item));
  }
}

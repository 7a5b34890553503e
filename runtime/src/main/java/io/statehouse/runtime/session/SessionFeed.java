package io.statehouse.runtime.session;

import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.stream.FeedItem;
import io.statehouse.runtime.stream.FeedWatchers;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The stream hubs watching one session incarnation ({@link FeedWatchers}), as a listener of its
 * persisted batches. Passivation is held off while a hub watches.
 */
final class SessionFeed implements SessionListener {
  private final FeedWatchers watchers;

  SessionFeed(SessionId id) {
    this.watchers = new FeedWatchers(id.persistenceId().id());
  }

  /** Adds a hub; false if it already watched. */
  boolean add(ActorRef<FeedItem> hub) {
    return watchers.add(hub);
  }

  void remove(ActorRef<FeedItem> hub) {
    watchers.remove(hub);
  }

  boolean watched() {
    return watchers.watched();
  }

  /** Sends a persisted batch to the hubs watching. */
  @Override
  public void persisted(
      SessionState before, SessionState after, List<SessionEvent> events, long lastSeq) {
    watchers.events(events, lastSeq);
  }

  /**
   * Sends a delta of try {@code attempt} of model call {@code step}, started after event {@code
   * afterSeq}.
   */
  void delta(long afterSeq, String turnId, int step, int attempt, ModelDelta delta) {
    watchers.delta(afterSeq, turnId, step, attempt, delta);
  }
}

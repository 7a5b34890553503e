package io.statehouse.api.stream;

import io.statehouse.runtime.stream.FeedItem;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a live stream follows: a session or a team workspace. Both are event-sourced entities that
 * feed the hubs watching them ({@link FeedItem}) and whose journal fills what a hub missed; this
 * says how to watch one, how to render an event read from its journal, and after which event its
 * stream ends.
 */
public interface StreamSource {

  /** The entity's persistence id: the key of its watch, and what its feed items carry. */
  String persistenceId();

  /** Asks the entity (through sharding, wherever it runs) to feed {@code hub}. */
  CompletionStage<Incarnation> watch(ActorRef<FeedItem> hub, Duration timeout);

  /**
   * The frame of event {@code seq} read from the journal: the frame the entity's feed gives for it
   * live.
   */
  Frame.Event journalFrame(long seq, Object event);

  /** Why the stream ends right after {@code event}, if it does. */
  Optional<EndReason> endsAfter(Frame.Event event);

  /** The watched incarnation of the entity: death-watched by the hub. */
  interface Incarnation {
    /** The number of its last event when it answered the watch. */
    long lastSeq();

    ActorRef<?> ref();

    /** Tells the incarnation that {@code hub} no longer watches it. */
    void unwatch(ActorRef<FeedItem> hub);
  }
}

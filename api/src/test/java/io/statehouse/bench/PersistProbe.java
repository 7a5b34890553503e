package io.statehouse.bench;

import io.statehouse.runtime.CborSerializable;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;

/**
 * The smallest persistent actor: persists one event of a given size per command and replies. Its
 * round trip is what one journal write costs through Pekko Persistence and the Cassandra plugin,
 * without any Statehouse logic, to compare with a plain driver write.
 */
final class PersistProbe
    extends EventSourcedBehaviorWithEnforcedReplies<
        PersistProbe.Write, PersistProbe.Written, Integer> {
  record Write(byte[] payload, ActorRef<Done> replyTo) implements CborSerializable {}

  record Written(byte[] payload) implements CborSerializable {}

  private final boolean tagged;

  PersistProbe(String id, boolean tagged) {
    super(PersistenceId.ofUniqueId("bench-probe-" + id));
    this.tagged = tagged;
  }

  /** A tagged event is confirmed only after its tag_views write (when events-by-tag is on). */
  @Override
  public Set<String> tagsFor(Written event) {
    return tagged ? Set.of("bench-probe") : Set.of();
  }

  @Override
  public Integer emptyState() {
    return 0;
  }

  @Override
  public CommandHandlerWithReply<Write, Written, Integer> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(
            Write.class,
            (s, c) ->
                Effect()
                    .persist(new Written(c.payload()))
                    .thenReply(c.replyTo(), st -> Done.getInstance()))
        .build();
  }

  @Override
  public EventHandler<Integer, Written> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((s, e) -> s + 1);
  }
}

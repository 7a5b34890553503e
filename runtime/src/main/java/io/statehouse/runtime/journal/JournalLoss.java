package io.statehouse.runtime.journal;

import io.statehouse.runtime.journal.JournalStatus.Unavailable;
import java.util.function.Function;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** How an entity that keeps journal state in memory hears that the node lost its journal. */
public final class JournalLoss {
  private JournalLoss() {}

  /**
   * Delivers each loss to the entity as the command {@code toCommand} makes. The subscription ends
   * with the actor; a restarted actor subscribing again is the same subscription.
   */
  public static <T> void subscribe(ActorContext<T> ctx, Function<Unavailable, T> toCommand) {
    ctx.getSystem()
        .eventStream()
        .tell(
            new EventStream.Subscribe<>(
                Unavailable.class, ctx.messageAdapter(Unavailable.class, toCommand::apply)));
  }
}

package io.statehouse.api;

import io.statehouse.runtime.CborSerializable;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * Waits until the journal and snapshot store answer, by recovering an actor that has no events. The
 * Cassandra plugin creates its keyspaces and tables lazily, on first use, and on a busy machine
 * that takes longer than a request should wait; a node binds HTTP only once this has passed.
 */
final class JournalReady extends EventSourcedBehavior<JournalReady.Ping, Done, Done> {
  /** Answered once recovery has finished (commands wait in the stash until then). */
  record Ping(ActorRef<Done> replyTo) implements CborSerializable {}

  private JournalReady() {
    super(PersistenceId.ofUniqueId("statehouse-startup-check"));
  }

  static void await(ActorSystem<?> system, Duration within) throws Exception {
    ActorRef<Ping> probe = system.systemActorOf(new JournalReady(), "journal-ready", Props.empty());
    try {
      AskPattern.<Ping, Done>ask(probe, Ping::new, within, system.scheduler())
          .toCompletableFuture()
          .get(within.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } finally {
      Adapter.toClassic(system).stop(Adapter.toClassic(probe));
    }
  }

  @Override
  public Done emptyState() {
    return Done.getInstance();
  }

  @Override
  public CommandHandler<Ping, Done, Done> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Ping.class,
            (state, ping) -> Effect().none().thenRun(s -> ping.replyTo().tell(Done.getInstance())))
        .build();
  }

  @Override
  public EventHandler<Done, Done> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> state);
  }
}

package io.statehouse.runtime.journal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.AbstractPersistentActor;
import org.apache.pekko.persistence.RecoveryCompleted;
import scala.Option;

/**
 * Whether a persistent actor can recover on this node: a throwaway persistent actor on a journal
 * nobody writes loads its snapshot and replays, through the same journal and snapshot plugins (and
 * their circuit breakers) as sharding's stores and the sessions.
 *
 * <p>Why it exists: Cassandra answering the driver is not enough. While Cassandra was down, failed
 * recoveries open the plugins' circuit breakers; a remember-entities store reset into an open
 * breaker fails its replay at once, its shard stops for backoff, and whatever the shard had stashed
 * meanwhile (a client's request) is dropped. So the node resets sharding's stores only after a
 * recovery like theirs has succeeded.
 */
final class RecoveryProbe {
  /** Never written: recovering it only reads. */
  static final String PERSISTENCE_ID = "statehouse-recovery-probe";

  private static final AtomicLong ATTEMPTS = new AtomicLong();

  private RecoveryProbe() {}

  /**
   * Completes once one recovery succeeds, trying every {@code every}; fails when none has by {@code
   * deadline} ({@link System#nanoTime()}).
   */
  static CompletionStage<Void> untilOneSucceeds(
      ActorSystem<?> system, Duration every, long deadline) {
    return ShardingStores.until(
        system,
        every,
        deadline,
        "no persistent actor could recover from the journal in time",
        () -> once(system).handle((ok, failure) -> failure == null));
  }

  /** One recovery of the probe. */
  private static CompletionStage<Void> once(ActorSystem<?> system) {
    CompletableFuture<Void> recovered = new CompletableFuture<>();
    ((ExtendedActorSystem) Adapter.toClassic(system))
        .systemActorOf(
            Props.create(Probe.class, () -> new Probe(recovered)),
            "recovery-probe-" + ATTEMPTS.incrementAndGet());
    return recovered;
  }

  /** Recovers, reports, stops. Pekko stops it by itself after a recovery failure. */
  static final class Probe extends AbstractPersistentActor {
    private final CompletableFuture<Void> recovered;

    Probe(CompletableFuture<Void> recovered) {
      this.recovered = recovered;
    }

    @Override
    public String persistenceId() {
      return PERSISTENCE_ID;
    }

    @Override
    public Receive createReceiveRecover() {
      return receiveBuilder()
          .match(
              RecoveryCompleted.class,
              c -> {
                recovered.complete(null);
                getContext().stop(getSelf());
              })
          .build();
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder().build();
    }

    @Override
    public void onRecoveryFailure(Throwable cause, Option<Object> event) {
      recovered.completeExceptionally(cause);
    }
  }
}

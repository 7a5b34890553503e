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
    CompletableFuture<Void> done = new CompletableFuture<>();
    attempt(system, every, deadline, done);
    return done;
  }

  private static void attempt(
      ActorSystem<?> system, Duration every, long deadline, CompletableFuture<Void> done) {
    CompletableFuture<Void> once = new CompletableFuture<>();
    ExtendedActorSystem classic = (ExtendedActorSystem) Adapter.toClassic(system);
    classic.systemActorOf(
        Props.create(Probe.class, () -> new Probe(once)),
        "recovery-probe-" + ATTEMPTS.incrementAndGet());
    once.whenComplete(
        (ok, failure) -> {
          if (failure == null) {
            done.complete(null);
          } else if (System.nanoTime() > deadline) {
            done.completeExceptionally(
                new IllegalStateException(
                    "no persistent actor could recover from the journal: " + failure.getMessage()));
          } else {
            classic
                .scheduler()
                .scheduleOnce(
                    every, () -> attempt(system, every, deadline, done), classic.dispatcher());
          }
        });
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

package io.statehouse.runtime.journal;

import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.journal.JournalStatus.Available;
import io.statehouse.runtime.journal.JournalStatus.Unavailable;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's view of its journal, fed by a monitor (the Cassandra backend's {@code JournalMonitor})
 * and read by everything that must not act on a journal it cannot reach.
 *
 * <p>The rule it serves: nothing writes past a journal it has not read. When the journal is lost,
 * every live entity that holds journal state in memory stops (it subscribed to {@link Unavailable})
 * and recovers from what the journal really holds before its next command. When the journal is
 * back, Pekko's own persistent state (the remember-entities stores of sharding) is reset the same
 * way by {@link ShardingStores}. The API answers session requests with 503 {@code
 * journal_unavailable} meanwhile, at once rather than after its ask timeout.
 */
public final class JournalHealth implements Extension {
  private static final Logger log = LoggerFactory.getLogger(JournalHealth.class);

  private static final ExtensionId<JournalHealth> ID =
      new ExtensionId<>() {
        @Override
        public JournalHealth createExtension(ActorSystem<?> system) {
          return new JournalHealth(system);
        }
      };

  private final ActorSystem<?> system;
  private final Settings settings;
  private JournalStatus status = new Available(Instant.now());
  private boolean recovering;
  private long generation;
  private Instant lostSince = Instant.now();
  // answers callers still wait for; failed at once when the journal is lost
  private final Set<CompletableFuture<?>> waiting = ConcurrentHashMap.newKeySet();

  private JournalHealth(ActorSystem<?> system) {
    this.system = system;
    this.settings = Settings.fromConfig(system.settings().config());
  }

  public static JournalHealth get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public synchronized JournalStatus status() {
    return status;
  }

  public boolean available() {
    return status() instanceof Available;
  }

  /**
   * Fails {@code answer} with a {@code journal_unavailable} {@link Rejection} if the journal is
   * unavailable now or is lost before {@code answer} completes, so that a caller never waits out
   * its timeout for an entity that cannot write.
   */
  public <T> CompletableFuture<T> failFastOnLoss(CompletableFuture<T> answer) {
    if (status() instanceof Unavailable lost) {
      answer.completeExceptionally(rejection(lost));
      return answer;
    }
    waiting.add(answer);
    answer.whenComplete((r, e) -> waiting.remove(answer));
    if (status() instanceof Unavailable lost) {
      // lost between the check above and the registration
      answer.completeExceptionally(rejection(lost));
    }
    return answer;
  }

  /**
   * What a caller hears while the journal is unavailable. The monitor's reason stays in the node's
   * log: it can carry Cassandra's addresses, which are no business of an API client.
   */
  public static Rejection rejection(Unavailable lost) {
    return new Rejection(
        "journal_unavailable",
        "the journal is unavailable since "
            + lost.since()
            + ". Nothing acknowledged is lost. A request sent at that moment may or may not have"
            + " been recorded: retry with the same idempotencyKey once /health/ready answers 200.");
  }

  /**
   * What the monitor saw. A loss takes effect at once. A return first waits until a persistent
   * actor can recover ({@link RecoveryProbe}: the plugins' circuit breakers, opened by recoveries
   * that failed during the outage, let calls through again), then resets sharding's stores and
   * waits until every coordinator and every shard this node hosted answers again (its store has
   * read the journal); only then is the journal available to requests. A shard rebalanced away
   * meanwhile never answers here: the wait runs out and the node restarts, the safe side of a rare
   * case. If that does not happen within {@code recovery-timeout}, the node cannot recover in
   * place: it leaves the cluster and exits with code {@value #RESTART_EXIT_CODE}, so that its
   * supervisor (deploy/dev.sh, Kubernetes) starts it afresh.
   */
  public void report(JournalStatus seen) {
    long recovery = 0;
    synchronized (this) {
      if (seen instanceof Unavailable lost) {
        boolean wasUnavailable = status instanceof Unavailable;
        boolean wasRecovering = recovering;
        recovering = false;
        generation++;
        if (wasUnavailable && !wasRecovering) {
          return;
        }
        status = lost;
      } else {
        if (status instanceof Available || recovering) {
          return;
        }
        recovering = true;
        recovery = ++generation;
        lostSince = status.since();
        status =
            new Unavailable("the journal is back; sharding is reading it again", status.since());
      }
    }
    if (seen instanceof Unavailable lost) {
      Rejection why = rejection(lost);
      waiting.forEach(answer -> answer.completeExceptionally(why));
      log.error(
          "The journal is unavailable ({}). Session requests answer 503 journal_unavailable;"
              + " live sessions stop and recover from the journal when it is back.",
          lost.reason());
      system.eventStream().tell(new EventStream.Publish<>(lost));
      return;
    }
    long thisRecovery = recovery;
    log.warn(
        "The journal is reachable again after {} s; resetting sharding's remember-entities"
            + " stores so they recover from what the journal holds",
        Duration.between(lostSince, seen.since()).toSeconds());
    Duration every = settings.recoveryCheckInterval();
    long deadline = System.nanoTime() + settings.recoveryTimeout().toNanos();
    RecoveryProbe.untilOneSucceeds(system, every, deadline)
        .thenCompose(v -> ShardingStores.hostedShards(system, every.multipliedBy(20)))
        .thenCompose(
            hosted ->
                ShardingStores.reset(system)
                    .thenCompose(n -> ShardingStores.awaitCoordinators(system, every, deadline))
                    .thenCompose(v -> ShardingStores.awaitShards(system, hosted, every, deadline)))
        .whenComplete((ok, failure) -> finishRecovery(thisRecovery, failure));
  }

  private void finishRecovery(long recovery, Throwable failure) {
    Available back = new Available(Instant.now());
    synchronized (this) {
      if (generation != recovery) {
        return; // lost again meanwhile
      }
      recovering = false;
      if (failure == null) {
        status = back;
      }
    }
    if (failure != null) {
      log.error(
          "Sharding did not recover from the journal in place ({}). This node leaves the cluster"
              + " and exits with code {} so that it is started afresh.",
          failure.getMessage(),
          RESTART_EXIT_CODE);
      CoordinatedShutdown.get(system).run(JournalRecoveryFailed.INSTANCE);
      return;
    }
    log.warn("The journal is available again; sessions recover from it before their next command");
    system.eventStream().tell(new EventStream.Publish<>(back));
  }

  /** The process exit code of a node that could not recover from a journal outage in place. */
  public static final int RESTART_EXIT_CODE = 75;

  /**
   * Why the node shut down; cluster.conf maps it to exit code {@value #RESTART_EXIT_CODE}
   * (pekko.coordinated-shutdown.reason-overrides).
   */
  public static final class JournalRecoveryFailed implements CoordinatedShutdown.Reason {
    public static final JournalRecoveryFailed INSTANCE = new JournalRecoveryFailed();

    private JournalRecoveryFailed() {}
  }

  /** From {@code statehouse.journal}: how long recovery after an outage may take in place. */
  record Settings(Duration recoveryCheckInterval, Duration recoveryTimeout) {
    static Settings fromConfig(com.typesafe.config.Config config) {
      return new Settings(
          config.getDuration("statehouse.journal.recovery-check-interval"),
          config.getDuration("statehouse.journal.recovery-timeout"));
    }
  }
}

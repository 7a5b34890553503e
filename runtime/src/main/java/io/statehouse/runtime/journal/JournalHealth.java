package io.statehouse.runtime.journal;

import io.statehouse.runtime.journal.JournalStatus.Available;
import io.statehouse.runtime.journal.JournalStatus.Unavailable;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
  private JournalStatus status = new Available(Instant.now());
  private CompletableFuture<Unavailable> nextLoss = new CompletableFuture<>();

  private JournalHealth(ActorSystem<?> system) {
    this.system = system;
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
   * Completes when the journal is next lost: at once if it is unavailable now. A caller waiting for
   * an entity races its answer against this, so a request in flight when the journal goes fails
   * fast too.
   */
  public synchronized CompletionStage<Unavailable> nextLoss() {
    return nextLoss.copy();
  }

  /** What the monitor saw; only a change of availability does anything. */
  public void report(JournalStatus next) {
    JournalStatus previous;
    synchronized (this) {
      previous = status;
      if (previous.getClass() == next.getClass()) {
        return;
      }
      status = next;
      if (next instanceof Unavailable lost) {
        nextLoss.complete(lost);
      } else {
        nextLoss = new CompletableFuture<>();
      }
    }
    if (next instanceof Unavailable lost) {
      log.error(
          "The journal is unavailable ({}). Session requests answer 503 journal_unavailable;"
              + " live sessions stop and recover from the journal when it is back.",
          lost.reason());
    } else {
      log.warn(
          "The journal is available again after {} s; resetting sharding's remember-entities"
              + " stores so they recover from what the journal holds",
          Duration.between(previous.since(), next.since()).toSeconds());
      ShardingStores.reset(system);
    }
    system.eventStream().tell(new EventStream.Publish<>(next));
  }
}

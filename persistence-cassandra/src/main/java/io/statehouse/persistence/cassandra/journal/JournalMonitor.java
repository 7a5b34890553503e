package io.statehouse.persistence.cassandra.journal;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.metadata.NodeState;
import com.typesafe.config.Config;
import io.statehouse.runtime.journal.JournalHealth;
import io.statehouse.runtime.journal.JournalStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Watches the journal's own driver session and tells {@link JournalHealth} when the node loses or
 * regains its journal.
 *
 * <p>Two signals. The driver's open connections: when Cassandra dies, its sockets close and the
 * count drops to zero at once, so a loss is seen within two checks. And a small read of the
 * journal's table with the journal's read profile (its consistency level), which also catches a
 * Cassandra that is up but cannot serve the journal (a hung process, too few replicas for QUORUM).
 * The journal counts as available again only when a connection is open and that read succeeds.
 */
public final class JournalMonitor {

  /** What the monitor receives. */
  public sealed interface Message {}

  private record Check() implements Message {}

  private record Probed(Throwable failure) implements Message {}

  /**
   * @param checkInterval how often connections are counted
   * @param probeInterval how often the journal is read while it is available (each check while it
   *     is not)
   * @param probeTimeout a read slower than this fails
   * @param failuresBeforeUnavailable consecutive checks without a connection, or failed reads, that
   *     make the journal unavailable
   */
  public record Settings(
      Duration checkInterval,
      Duration probeInterval,
      Duration probeTimeout,
      int failuresBeforeUnavailable,
      String keyspace,
      String readProfile) {

    public static Settings fromConfig(Config config) {
      Config c = config.getConfig("statehouse.journal.monitor");
      return new Settings(
          c.getDuration("check-interval"),
          c.getDuration("probe-interval"),
          c.getDuration("probe-timeout"),
          c.getInt("failures-before-unavailable"),
          config.getString("pekko.persistence.cassandra.journal.keyspace"),
          config.getString("pekko.persistence.cassandra.read-profile"));
    }
  }

  private final ActorContext<Message> ctx;
  private final Settings settings;
  private final JournalHealth health;
  private final CqlSession cql;
  private final SimpleStatement probe;
  private int checksWithoutConnection;
  private int failedProbes;
  private boolean probing;
  private Instant lastProbe = Instant.MIN;

  private JournalMonitor(
      ActorContext<Message> ctx, Settings settings, JournalHealth health, CqlSession cql) {
    this.ctx = ctx;
    this.settings = settings;
    this.health = health;
    this.cql = cql;
    this.probe =
        SimpleStatement.newInstance(
                "SELECT sequence_nr FROM "
                    + settings.keyspace()
                    + ".messages WHERE persistence_id = ? AND partition_nr = 0 LIMIT 1",
                "statehouse-journal-probe")
            .setExecutionProfileName(settings.readProfile())
            .setTimeout(settings.probeTimeout())
            .setIdempotent(true);
  }

  /** Runs until the actor system stops; {@code cql} is the journal's own driver session. */
  public static Behavior<Message> create(Settings settings, JournalHealth health, CqlSession cql) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                (TimerScheduler<Message> timers) -> {
                  timers.startTimerWithFixedDelay(new Check(), settings.checkInterval());
                  return new JournalMonitor(ctx, settings, health, cql).behavior();
                }));
  }

  private Behavior<Message> behavior() {
    return Behaviors.receive(Message.class)
        .onMessage(Check.class, c -> check())
        .onMessage(Probed.class, this::probed)
        .build();
  }

  private Behavior<Message> check() {
    if (!connected()) {
      if (++checksWithoutConnection >= settings.failuresBeforeUnavailable()) {
        health.report(
            new JournalStatus.Unavailable(
                "no open connection to any Cassandra node", Instant.now()));
      }
      return Behaviors.same();
    }
    checksWithoutConnection = 0;
    boolean due =
        !health.available()
            || Duration.between(lastProbe, Instant.now()).compareTo(settings.probeInterval()) >= 0;
    if (due && !probing) {
      probing = true;
      lastProbe = Instant.now();
      CompletionStage<?> read = cql.executeAsync(probe);
      ctx.pipeToSelf(read, (ok, failure) -> new Probed(failure));
    }
    return Behaviors.same();
  }

  private Behavior<Message> probed(Probed p) {
    probing = false;
    if (p.failure() == null) {
      failedProbes = 0;
      health.report(new JournalStatus.Available(Instant.now()));
    } else if (++failedProbes >= settings.failuresBeforeUnavailable()) {
      health.report(
          new JournalStatus.Unavailable(
              "reading the journal failed: " + p.failure().getMessage(), Instant.now()));
    }
    return Behaviors.same();
  }

  private boolean connected() {
    for (Node node : cql.getMetadata().getNodes().values()) {
      if (node.getState() != NodeState.FORCED_DOWN && node.getOpenConnections() > 0) {
        return true;
      }
    }
    return false;
  }
}

package io.statehouse.persistence.cassandra.readside;

import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.session.SessionSettings;
import io.statehouse.runtime.session.SessionStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.TimeBasedUUID;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * Keeps {@code sessions_by_tenant} in step with the journal: one instance per tag slice ({@code
 * session-0 …}), spread over the cluster as a sharded daemon process, each reading its tag with
 * {@code eventsByTag} from a saved offset. At-least-once: after a restart some events are applied
 * again, which is harmless because every write is an upsert of the same values in the same order.
 *
 * <p>Pekko Projections would do this job, but no release of it for Pekko 1.1+ is on Maven Central;
 * this is the same loop (offset store, restart with backoff) in one screen.
 */
public final class SessionDirectoryProjection {
  private static final String NAME = "session-directory";

  /** Stops an instance (sent by the daemon process on rebalance and shutdown). */
  public record Stop() implements CborSerializable {}

  private final CassandraSession session;
  private final CassandraReadJournal journal;
  private final ReadSideSettings settings;
  private final ActorSystem<?> system;

  private SessionDirectoryProjection(ActorSystem<?> system, CassandraSession session, ReadSideSettings settings) {
    this.system = system;
    this.session = session;
    this.settings = settings;
    this.journal =
        PersistenceQuery.get(system).getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
  }

  /** Starts the projection instances on this cluster (no-op when tagging is off). */
  public static void init(
      ActorSystem<?> system, CassandraSession session, ReadSideSettings settings, SessionSettings sessions) {
    if (sessions.tagSlices() <= 0) {
      return;
    }
    SessionDirectoryProjection projection = new SessionDirectoryProjection(system, session, settings);
    ShardedDaemonProcess.get(system)
        .init(Stop.class, NAME, sessions.tagSlices(), i -> projection.instance("session-" + i), new Stop());
  }

  private Behavior<Stop> instance(String tag) {
    return Behaviors.setup(
        ctx -> {
          UniqueKillSwitch killSwitch =
              RestartSource.withBackoff(
                      RestartSettings.create(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2),
                      () -> stream(tag))
                  .viaMat(KillSwitches.single(), Keep.right())
                  .toMat(Sink.ignore(), Keep.left())
                  .run(system);
          return Behaviors.receive(Stop.class)
              .onMessage(Stop.class, m -> Behaviors.stopped())
              .onSignal(
                  PostStop.class,
                  s -> {
                    killSwitch.shutdown();
                    return Behaviors.same();
                  })
              .build();
        });
  }

  private Source<Done, NotUsed> stream(String tag) {
    return Source.completionStageSource(loadOffset(tag).thenApply(offset -> journal.eventsByTag(tag, offset)))
        .mapAsync(1, env -> apply(env).thenApply(done -> env.offset()))
        .groupedWithin(settings.saveOffsetAfter(), settings.saveOffsetInterval())
        .mapAsync(1, offsets -> saveOffset(tag, offsets.get(offsets.size() - 1)))
        .mapMaterializedValue(m -> NotUsed.getInstance());
  }

  /**
   * The saved offset, or on the very first run a point shortly before now, saved at once. Starting
   * from {@code NoOffset} would make the query walk every hourly tag bucket since the plugin's
   * first-time-bucket (2015); a new deployment has no older events to find.
   */
  private CompletionStage<Offset> loadOffset(String tag) {
    return session
        .selectOne(
            "SELECT offset FROM " + settings.keyspace() + ".projection_offsets WHERE projection = ? AND tag = ?", NAME, tag)
        .thenCompose(
            row -> {
              if (row.isPresent()) {
                return CompletableFuture.completedFuture(new TimeBasedUUID(row.get().getUuid("offset")));
              }
              Offset first =
                  new TimeBasedUUID(Uuids.startOf(Instant.now().minus(settings.initialLookback()).toEpochMilli()));
              return saveOffset(tag, first).thenApply(done -> first);
            });
  }

  private CompletionStage<Done> saveOffset(String tag, Offset offset) {
    UUID uuid = ((TimeBasedUUID) offset).value();
    return session.executeWrite(
        "INSERT INTO " + settings.keyspace() + ".projection_offsets (projection, tag, offset, updated_at) VALUES (?, ?, ?, ?)",
        NAME, tag, uuid, Instant.now());
  }

  /** The row change an event makes; events that do not change the list are ignored. */
  CompletionStage<Done> apply(EventEnvelope env) {
    if (!(env.event() instanceof SessionEvent event)) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    SessionId id = SessionId.fromPersistenceId(env.persistenceId());
    Instant at = event.meta().at();
    String table = settings.keyspace() + ".sessions_by_tenant";
    if (event instanceof SessionEvent.SessionCreated e) {
      return session.executeWrite(
          "INSERT INTO " + table
              + " (tenant, session_id, agent, agent_version, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
          id.tenant(), id.id(), e.agent().name(), e.agent().version(), SessionStatus.IDLE.wire(), at, at);
    }
    Optional<String> turnId =
        event instanceof SessionEvent.UserMessageAdded e ? Optional.of(e.turnId()) : Optional.empty();
    Optional<SessionStatus> status = statusAfter(event);
    if (status.isEmpty()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    if (turnId.isPresent()) {
      return session.executeWrite(
          "UPDATE " + table + " SET status = ?, last_turn_id = ?, updated_at = ? WHERE tenant = ? AND session_id = ?",
          status.get().wire(), turnId.get(), at, id.tenant(), id.id());
    }
    return session.executeWrite(
        "UPDATE " + table + " SET status = ?, updated_at = ? WHERE tenant = ? AND session_id = ?",
        status.get().wire(), at, id.tenant(), id.id());
  }

  static Optional<SessionStatus> statusAfter(SessionEvent event) {
    if (event instanceof SessionEvent.UserMessageAdded) {
      return Optional.of(SessionStatus.RUNNING);
    }
    if (event instanceof SessionEvent.TurnCompleted || event instanceof SessionEvent.TurnFailed) {
      return Optional.of(SessionStatus.IDLE);
    }
    if (event instanceof SessionEvent.ToolCallOutcomeUnknown) {
      return Optional.of(SessionStatus.NEEDS_DECISION);
    }
    if (event instanceof SessionEvent.SessionClosed) {
      return Optional.of(SessionStatus.CLOSED);
    }
    return Optional.empty();
  }
}

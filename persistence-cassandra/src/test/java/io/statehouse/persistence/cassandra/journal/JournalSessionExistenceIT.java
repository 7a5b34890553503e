package io.statehouse.persistence.cassandra.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DriverExecutionProfile;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.session.Request;
import com.datastax.oss.driver.api.core.tracker.RequestTracker;
import com.datastax.oss.driver.internal.core.config.typesafe.DefaultDriverConfigLoader;
import com.typesafe.config.Config;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.session.SessionId;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Session existence against a journal the Pekko plugin really wrote, with every request of the
 * existence check's driver session recorded: an unknown id costs exactly one read.
 */
@ExtendWith(CassandraExtension.class)
class JournalSessionExistenceIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Duration SETTLE = Duration.ofMillis(300);

  private static ActorSystem<SpawnProtocol.Command> system;
  private static CqlSession cql;
  private static Config config;
  private static final List<String> requests = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    config = keyspaces.persistenceConfig();
    system = ActorSystem.create(SpawnProtocol.create(), "session-existence-it", config);
    Config driver = config.getConfig("datastax-java-driver");
    cql =
        CqlSession.builder()
            .withConfigLoader(new DefaultDriverConfigLoader(() -> driver))
            .addRequestTracker(new Recorder())
            .build();
    // the plugin creates the journal's keyspace and table at its first write, as at a node's start
    append(new SessionId("setup", "ses_first"), 1);
  }

  @AfterAll
  static void stop() throws Exception {
    cql.close();
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /**
   * The driver tells the tracker of a request just after the caller's future completed: the last
   * request of the previous test (one that asserted nothing on requests) may still be on its way.
   * Requests are forgotten once none has come for a while.
   */
  @BeforeEach
  void forgetRequests() throws InterruptedException {
    int seen;
    do {
      seen = requests.size();
      Thread.sleep(SETTLE.toMillis());
    } while (requests.size() != seen);
    requests.clear();
  }

  @Test
  void readsTheJournalOnceForASessionWithEventsAndThenNeverAgain() throws Exception {
    SessionId id = new SessionId("acme", "ses_found");
    append(id, 3);
    JournalSessionExistence existence = existence(100);

    assertTrue(await(existence.exists(id)));
    assertTrue(await(existence.exists(id)));

    List<String> sent = sent(1);
    assertEquals(1, sent.size(), "requests: " + sent);
    assertTrue(sent.get(0).startsWith("SELECT sequence_nr FROM "), sent.get(0));
  }

  @Test
  void answersNoForAnUnknownIdWithOneReadAndNothingElse() throws Exception {
    JournalSessionExistence existence = existence(100);

    assertFalse(await(existence.exists(new SessionId("acme", "ses_probe_1"))));

    assertEquals(
        List.of(
            "SELECT sequence_nr FROM "
                + config.getString("pekko.persistence.cassandra.journal.keyspace")
                + ".messages WHERE persistence_id = ? AND partition_nr = 0 LIMIT 1"),
        sent(1));
  }

  @Test
  void asksAgainAfterAMissSoASessionCreatedMeanwhileIsFound() throws Exception {
    SessionId id = new SessionId("acme", "ses_created_later");
    JournalSessionExistence existence = existence(100);
    assertFalse(await(existence.exists(id)));

    append(id, 1);

    assertTrue(await(existence.exists(id)), "a miss must not be remembered");
    assertEquals(2, sent(2).size(), "requests: " + requests);
  }

  @Test
  void aSessionOfAnotherTenantWithTheSameIdDoesNotExist() throws Exception {
    append(new SessionId("acme", "ses_shared_name"), 1);
    JournalSessionExistence existence = existence(100);

    assertFalse(await(existence.exists(new SessionId("intruder", "ses_shared_name"))));
    assertTrue(await(existence.exists(new SessionId("acme", "ses_shared_name"))));
  }

  @Test
  void aSessionThisNodeJustCreatedCostsNoRead() throws Exception {
    JournalSessionExistence existence = existence(100);
    SessionId id = new SessionId("acme", "ses_just_created");

    existence.known(id);

    assertTrue(await(existence.exists(id)));
    assertEquals(List.of(), sent(0));
  }

  @Test
  void remembersAtMostCacheSizeIdsDroppingTheLeastRecentlyAsked() throws Exception {
    JournalSessionExistence existence = existence(2);
    SessionId a = new SessionId("acme", "ses_lru_a");
    SessionId b = new SessionId("acme", "ses_lru_b");
    SessionId c = new SessionId("acme", "ses_lru_c");
    existence.known(a);
    existence.known(b);
    assertTrue(await(existence.exists(a)), "a is now the most recently asked");
    existence.known(c);

    assertTrue(await(existence.exists(a)));
    assertTrue(await(existence.exists(c)));
    assertEquals(List.of(), sent(0), "a and c are remembered");
    // b was dropped, and it has no events: only the journal can answer now
    assertFalse(await(existence.exists(b)));
    assertEquals(1, sent(1).size(), "requests: " + requests);
  }

  @Test
  void takesItsTableAndCacheSizeFromConfig() {
    JournalSessionExistence.Settings settings = JournalSessionExistence.Settings.fromConfig(config);

    assertEquals("messages", settings.table());
    assertEquals(100_000, settings.cacheSize());
    assertEquals(
        config.getString("pekko.persistence.cassandra.journal.keyspace"), settings.keyspace());
  }

  private static JournalSessionExistence existence(int cacheSize) {
    JournalSessionExistence.Settings fromConfig =
        JournalSessionExistence.Settings.fromConfig(config);
    return new JournalSessionExistence(
        cql,
        new JournalSessionExistence.Settings(
            fromConfig.keyspace(), fromConfig.table(), fromConfig.readProfile(), cacheSize));
  }

  /** Persists {@code events} events of session {@code id} through the journal plugin. */
  private static void append(SessionId id, int events) throws Exception {
    ActorRef<Append> journal =
        await(
            AskPattern.<SpawnProtocol.Command, ActorRef<Append>>ask(
                system,
                replyTo ->
                    new SpawnProtocol.Spawn<>(
                        journalOf(id), id.entityId().replace(':', '_'), Props.empty(), replyTo),
                WAIT,
                system.scheduler()));
    for (int i = 0; i < events; i++) {
      String note = "event " + i;
      await(
          AskPattern.<Append, Done>ask(
              journal, replyTo -> new Append(note, replyTo), WAIT, system.scheduler()));
    }
  }

  /**
   * The requests sent so far, once {@code expected} have been seen and a moment has passed for any
   * more: the driver tells its tracker just after it completes the request's future.
   */
  private static List<String> sent(int expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (requests.size() < expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    Thread.sleep(SETTLE.toMillis());
    return List.copyOf(requests);
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  record Append(String note, ActorRef<Done> replyTo) {}

  record Appended(String note) implements CborSerializable {}

  private static Behavior<Append> journalOf(SessionId id) {
    return new EventSourcedBehavior<Append, Appended, Integer>(id.persistenceId()) {
      @Override
      public Integer emptyState() {
        return 0;
      }

      @Override
      public CommandHandler<Append, Appended, Integer> commandHandler() {
        return newCommandHandlerBuilder()
            .forAnyState()
            .onCommand(
                Append.class,
                (state, c) ->
                    Effect()
                        .persist(new Appended(c.note()))
                        .thenReply(c.replyTo(), s -> Done.getInstance()))
            .build();
      }

      @Override
      public EventHandler<Integer, Appended> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent((state, e) -> state + 1);
      }
    };
  }

  /** Records the text of every statement the existence check's session sends. */
  private static final class Recorder implements RequestTracker {
    @Override
    public void onSuccess(
        Request request,
        long latencyNanos,
        DriverExecutionProfile profile,
        Node node,
        String requestLogPrefix) {
      record(request);
    }

    @Override
    public void onError(
        Request request,
        Throwable error,
        long latencyNanos,
        DriverExecutionProfile profile,
        Node node,
        String requestLogPrefix) {
      record(request);
    }

    private static void record(Request request) {
      if (request instanceof BoundStatement bound) {
        requests.add(bound.getPreparedStatement().getQuery());
      } else if (request instanceof SimpleStatement simple) {
        requests.add(simple.getQuery());
      }
    }

    @Override
    public void close() {}
  }
}

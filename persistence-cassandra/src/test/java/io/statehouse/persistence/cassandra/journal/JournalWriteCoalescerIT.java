package io.statehouse.persistence.cassandra.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import com.datastax.oss.driver.internal.core.config.typesafe.DefaultDriverConfigLoader;
import com.typesafe.config.Config;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.CborSerializable;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Journal writes of many sessions sharing Cassandra requests, on the real Cassandra: which writes
 * are combined, how many go together, what happens when Cassandra refuses a combined request, and
 * sessions persisting through the Pekko plugin with the coalescing session and replaying every
 * event.
 */
@ExtendWith(CassandraExtension.class)
class JournalWriteCoalescerIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String PROFILE = "pekko-persistence-cassandra-profile";

  private static ActorSystem<SpawnProtocol.Command> system;
  private static CqlSession cql;
  private static String table;
  private static PreparedStatement insert;

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    Config config = keyspaces.persistenceConfig();
    system = ActorSystem.create(SpawnProtocol.create(), "journal-coalescer-it", config);
    // the plugin creates the journal's keyspace at its first write
    assertEquals(1, persist("setup", 1));
    Config driver = config.getConfig("datastax-java-driver");
    cql =
        CqlSession.builder().withConfigLoader(new DefaultDriverConfigLoader(() -> driver)).build();
    table = keyspaces.journalKeyspace() + ".coalesced";
    cql.execute(
        "CREATE TABLE IF NOT EXISTS "
            + table
            + " (pid text, seq bigint, payload blob, PRIMARY KEY (pid, seq))");
    // a table whose name begins with the journal table's: its inserts are not journal writes
    cql.execute(
        "CREATE TABLE IF NOT EXISTS "
            + table
            + "_other (pid text, seq bigint, PRIMARY KEY (pid, seq))");
    insert = cql.prepare("INSERT INTO " + table + " (pid, seq, payload) VALUES (?, ?, ?)");
  }

  @AfterAll
  static void stop() throws Exception {
    cql.close();
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void aWriteThatFindsARequestSlotFreeReachesTheDriverUnchanged() throws Exception {
    Gate driver = new Gate(cql, false);
    JournalWriteCoalescer coalescer = coalescer(driver, 2, 32, 32 * 1024);
    BoundStatement write = row("alone", 1, 100);

    await(submit(coalescer, write));

    assertEquals(1, driver.sent.size());
    assertSame(write, driver.sent.get(0));
    assertEquals(1, rows("alone"));
  }

  @Test
  void writesThatArriveWhileEveryRequestIsOutGoTogetherInOneUnloggedBatch() throws Exception {
    Gate driver = new Gate(cql, true);
    JournalWriteCoalescer coalescer = coalescer(driver, 1, 32, 32 * 1024);
    List<CompletableFuture<AsyncResultSet>> results = new ArrayList<>();
    results.add(submit(coalescer, row("first", 1, 100)));
    for (int i = 0; i < 10; i++) {
      // a two-row write of one session, as a persist of two events is
      results.add(
          submit(coalescer, batch(row("waiting-" + i, 1, 100), row("waiting-" + i, 2, 100))));
    }
    assertEquals(1, driver.sent.size(), "the others wait while the only request is out");
    assertTrue(results.stream().noneMatch(CompletableFuture::isDone), "nobody is told early");

    driver.open();
    awaitAll(results);

    assertEquals(2, driver.sent.size());
    BatchStatement combined = assertInstanceOf(BatchStatement.class, driver.sent.get(1));
    assertEquals(BatchType.UNLOGGED, combined.getBatchType());
    assertEquals(20, combined.size());
    assertEquals(PROFILE, combined.getExecutionProfileName());
    for (int i = 0; i < 10; i++) {
      assertEquals(2, rows("waiting-" + i));
    }
    assertEquals(2, coalescer.requests());
    assertEquals(11, coalescer.writes());
  }

  @Test
  void aRequestCarriesAtMostMaxWritesAndMaxBytes() throws Exception {
    Gate byCount = new Gate(cql, true);
    JournalWriteCoalescer fourAtATime = coalescer(byCount, 1, 4, 1024 * 1024);
    List<CompletableFuture<AsyncResultSet>> results = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      results.add(submit(fourAtATime, row("count-" + i, 1, 100)));
    }
    byCount.open();
    awaitAll(results);
    assertEquals(List.of(1, 4, 4, 2), sizes(byCount.sent));

    Gate byBytes = new Gate(cql, true);
    BoundStatement sample = row("bytes-sample", 1, 1000);
    int oneWrite = sample.computeSizeInBytes(cql.getContext());
    JournalWriteCoalescer threeByBytes = coalescer(byBytes, 1, 32, 3 * oneWrite + oneWrite / 2);
    results.clear();
    for (int i = 0; i < 7; i++) {
      results.add(submit(threeByBytes, row("bytes-" + i, 1, 1000)));
    }
    byBytes.open();
    awaitAll(results);
    assertEquals(List.of(1, 3, 3), sizes(byBytes.sent));
    for (int i = 0; i < 7; i++) {
      assertEquals(1, rows("bytes-" + i));
    }
  }

  @Test
  void whenCassandraRefusesTheCombinedBatchEachWriteIsSentAloneAndLands() throws Exception {
    Gate driver = new Gate(cql, true);
    // 12 writes of 8 KiB together are past Cassandra's batch_size_fail_threshold (50 KiB), which
    // this coalescer's max-bytes, set far too high, does not stop
    JournalWriteCoalescer coalescer = coalescer(driver, 1, 32, 1024 * 1024);
    List<CompletableFuture<AsyncResultSet>> results = new ArrayList<>();
    results.add(submit(coalescer, row("big-first", 1, 100)));
    for (int i = 0; i < 12; i++) {
      results.add(submit(coalescer, row("big-" + i, 1, 8 * 1024)));
    }
    driver.open();
    awaitAll(results);

    assertEquals(1 + 1 + 12, driver.sent.size(), "one refused batch, then each write alone");
    assertInstanceOf(BatchStatement.class, driver.sent.get(1));
    assertInstanceOf(InvalidQueryException.class, driver.failures.get(0));
    for (int i = 0; i < 12; i++) {
      assertEquals(1, rows("big-" + i));
    }
  }

  @Test
  void aWriteBeyondMaxWaitingFailsAtOnceAndNothingOfItIsWritten() throws Exception {
    Gate driver = new Gate(cql, true);
    JournalWriteCoalescer coalescer =
        coalescer(
            driver,
            new JournalWriteCoalescer.Settings(true, 1, 32, 32 * 1024, 3, Duration.ofSeconds(30)));
    List<CompletableFuture<AsyncResultSet>> admitted = new ArrayList<>();
    admitted.add(submit(coalescer, row("full-out", 1, 100)));
    for (int i = 0; i < 3; i++) {
      admitted.add(submit(coalescer, row("full-waiting-" + i, 1, 100)));
    }

    CompletableFuture<AsyncResultSet> refused = submit(coalescer, row("full-refused", 1, 100));

    assertTrue(refused.isCompletedExceptionally(), "refused at once, with the first still out");
    ExecutionException e = assertThrows(ExecutionException.class, () -> await(refused));
    assertInstanceOf(JournalWriteCoalescer.NotSentException.class, e.getCause());
    driver.open();
    awaitAll(admitted);
    assertEquals(0, rows("full-refused"));
    assertEquals(1, rows("full-waiting-2"));
  }

  @Test
  void aWriteThatWaitedMaxWaitForARequestFailsWithoutBeingSent() throws Exception {
    Gate driver = new Gate(cql, true);
    JournalWriteCoalescer coalescer =
        coalescer(
            driver,
            new JournalWriteCoalescer.Settings(
                true, 1, 32, 32 * 1024, 100, Duration.ofMillis(200)));
    CompletableFuture<AsyncResultSet> out = submit(coalescer, row("late-out", 1, 100));
    CompletableFuture<AsyncResultSet> late = submit(coalescer, row("late-waiting", 1, 100));
    Thread.sleep(400);

    driver.open();

    await(out);
    ExecutionException e = assertThrows(ExecutionException.class, () -> await(late));
    assertInstanceOf(JournalWriteCoalescer.NotSentException.class, e.getCause());
    assertEquals(1, driver.sent.size(), "only the first reached the driver");
    assertEquals(0, rows("late-waiting"));
  }

  @Test
  void aDriverThatThrowsInsteadOfFailingItsFutureStillGivesTheRequestSlotBack() throws Exception {
    ForwardingCqlSession throwsOnce =
        new ForwardingCqlSession(cql) {
          private boolean thrown;

          @Override
          protected CompletionStage<AsyncResultSet> executeStatement(Statement<?> statement) {
            if (!thrown) {
              thrown = true;
              throw new IllegalStateException("session closing");
            }
            return super.executeStatement(statement);
          }
        };
    JournalWriteCoalescer coalescer = coalescer(throwsOnce, 1, 32, 32 * 1024);

    ExecutionException e =
        assertThrows(
            ExecutionException.class, () -> await(submit(coalescer, row("thrown-1", 1, 100))));
    assertInstanceOf(IllegalStateException.class, e.getCause());
    await(submit(coalescer, row("thrown-2", 1, 100)));

    assertEquals(0, rows("thrown-1"));
    assertEquals(1, rows("thrown-2"), "the only slot was free again");
  }

  @Test
  void onlyJournalInsertsRunWithTheJournalsWriteProfileAreCombined() {
    JournalWriteCoalescer coalescer = coalescer(cql, 2, 32, 32 * 1024);
    BoundStatement write = row("kinds", 1, 10);

    assertEquals(List.of(write), coalescer.journalRows(write));
    assertEquals(2, coalescer.journalRows(batch(write, row("kinds", 2, 10))).size());
    assertNull(coalescer.journalRows(write.setExecutionProfileName("another-profile")));
    assertNull(coalescer.journalRows(write.setConsistencyLevel(ConsistencyLevel.ALL)));
    assertNull(coalescer.journalRows(write.setQueryTimestamp(42L)));
    assertNull(coalescer.journalRows(write.setTimeout(Duration.ofSeconds(1))));
    assertNull(
        coalescer.journalRows(
            BatchStatement.newInstance(BatchType.LOGGED, write).setExecutionProfileName(PROFILE)),
        "a logged batch asked for atomicity across partitions");
    BoundStatement read =
        cql.prepare("SELECT payload FROM " + table + " WHERE pid = ?")
            .bind("kinds")
            .setExecutionProfileName(PROFILE);
    assertNull(coalescer.journalRows(read));
    BoundStatement elsewhere =
        cql.prepare("INSERT INTO " + table + "_other (pid, seq) VALUES (?, ?)")
            .bind("kinds", 1L)
            .setExecutionProfileName(PROFILE);
    assertNull(coalescer.journalRows(elsewhere), "another table whose name starts the same");
    assertNull(
        coalescer(
                cql,
                new JournalWriteCoalescer.Settings(
                    false, 2, 32, 32 * 1024, 100, Duration.ofSeconds(5)))
            .journalRows(write),
        "switched off");
  }

  @Test
  void sessionsPersistThroughTheCoalescedJournalAndReplayEveryEvent() throws Exception {
    CqlSession journal =
        CassandraSessionRegistry.get(system)
            .sessionFor(CassandraSessionSettings.create("pekko.persistence.cassandra"))
            .underlying()
            .toCompletableFuture()
            .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    JournalWriteCoalescer coalescer =
        assertInstanceOf(CoalescingCqlSession.class, journal).coalescer();
    long requestsBefore = coalescer.requests();
    long writesBefore = coalescer.writes();

    int sessions = 48;
    int events = 15;
    List<CompletableFuture<Integer>> written = new ArrayList<>();
    for (int s = 0; s < sessions; s++) {
      String pid = "many-" + s;
      written.add(CompletableFuture.supplyAsync(() -> persistUnchecked(pid, events)));
    }
    for (CompletableFuture<Integer> w : written) {
      assertEquals(events, w.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    }

    long requests = coalescer.requests() - requestsBefore;
    long writes = coalescer.writes() - writesBefore;
    assertEquals((long) sessions * events, writes, "every persist went through the coalescer");
    assertTrue(requests < writes, requests + " requests for " + writes + " writes");
    for (int s = 0; s < sessions; s++) {
      // a new incarnation replays what the journal holds
      assertEquals(events, persist("many-" + s, 0), "events of many-" + s);
    }
  }

  // --- helpers ---

  private static JournalWriteCoalescer coalescer(
      CqlSession driver, int maxInFlight, int maxWrites, int maxBytes) {
    return coalescer(
        driver,
        new JournalWriteCoalescer.Settings(
            true, maxInFlight, maxWrites, maxBytes, 1000, Duration.ofSeconds(30)));
  }

  private static JournalWriteCoalescer coalescer(
      CqlSession driver, JournalWriteCoalescer.Settings settings) {
    return new JournalWriteCoalescer(driver, settings, PROFILE, table);
  }

  private static CompletableFuture<AsyncResultSet> submit(
      JournalWriteCoalescer coalescer, Statement<?> write) {
    List<BatchableStatement<?>> rows = coalescer.journalRows(write);
    assertNotNull(rows, "a journal write");
    return coalescer.submit(write, rows).toCompletableFuture();
  }

  private static BoundStatement row(String pid, long seq, int bytes) {
    return insert.bind(pid, seq, ByteBuffer.wrap(new byte[bytes])).setExecutionProfileName(PROFILE);
  }

  private static BatchStatement batch(BoundStatement... rows) {
    return BatchStatement.newInstance(BatchType.UNLOGGED, rows).setExecutionProfileName(PROFILE);
  }

  private static long rows(String pid) {
    return cql.execute("SELECT count(*) FROM " + table + " WHERE pid = ?", pid).one().getLong(0);
  }

  private static List<Integer> sizes(List<Statement<?>> sent) {
    List<Integer> sizes = new ArrayList<>();
    for (Statement<?> s : sent) {
      sizes.add(s instanceof BatchStatement b ? b.size() : 1);
    }
    return sizes;
  }

  private static void awaitAll(List<CompletableFuture<AsyncResultSet>> results) throws Exception {
    for (CompletableFuture<AsyncResultSet> r : results) {
      await(r);
    }
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The real driver session, recording what reaches it and, while closed, holding the first request
   * back: the coalescer then has every slot taken, as under load.
   */
  private static final class Gate extends ForwardingCqlSession {
    final List<Statement<?>> sent = new CopyOnWriteArrayList<>();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> opened = new CompletableFuture<>();

    Gate(CqlSession driver, boolean closed) {
      super(driver);
      if (!closed) {
        opened.complete(null);
      }
    }

    void open() {
      opened.complete(null);
    }

    @Override
    protected CompletionStage<AsyncResultSet> executeStatement(Statement<?> statement) {
      sent.add(statement);
      return opened
          .thenCompose(ignored -> driver.executeAsync(statement))
          .whenComplete(
              (rs, error) -> {
                if (error != null) {
                  failures.add(
                      error instanceof CompletionException && error.getCause() != null
                          ? error.getCause()
                          : error);
                }
              });
    }
  }

  /** Persists {@code events} more events as entity {@code pid}; answers how many it now holds. */
  private static int persist(String pid, int events) throws Exception {
    ActorRef<Command> entity =
        await(
            AskPattern.<SpawnProtocol.Command, ActorRef<Command>>ask(
                system,
                replyTo ->
                    new SpawnProtocol.Spawn<>(
                        counter(pid), pid + "-" + System.nanoTime(), Props.empty(), replyTo),
                WAIT,
                system.scheduler()));
    for (int i = 0; i < events; i++) {
      await(
          AskPattern.<Command, Integer>ask(
              entity, replyTo -> new Append(replyTo), WAIT, system.scheduler()));
    }
    int held =
        await(
            AskPattern.<Command, Integer>ask(
                entity, replyTo -> new Count(replyTo), WAIT, system.scheduler()));
    entity.tell(new Stop());
    return held;
  }

  private static int persistUnchecked(String pid, int events) {
    try {
      return persist(pid, events);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  sealed interface Command {}

  record Append(ActorRef<Integer> replyTo) implements Command {}

  record Count(ActorRef<Integer> replyTo) implements Command {}

  record Stop() implements Command {}

  record Appended(int n) implements CborSerializable {}

  private static Behavior<Command> counter(String pid) {
    return new EventSourcedBehavior<Command, Appended, Integer>(
        PersistenceId.ofUniqueId("coalesce|" + pid)) {
      @Override
      public Integer emptyState() {
        return 0;
      }

      @Override
      public CommandHandler<Command, Appended, Integer> commandHandler() {
        return newCommandHandlerBuilder()
            .forAnyState()
            .onCommand(
                Append.class,
                (state, c) ->
                    Effect().persist(new Appended(state + 1)).thenReply(c.replyTo(), s -> s))
            .onCommand(Count.class, (state, c) -> Effect().reply(c.replyTo(), state))
            .onCommand(Stop.class, (state, c) -> Effect().stop())
            .build();
      }

      @Override
      public EventHandler<Integer, Appended> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent((state, e) -> state + 1);
      }
    };
  }
}

package io.statehouse.persistence.cassandra.journal;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.typesafe.config.Config;
import io.statehouse.runtime.session.SessionExistence;
import io.statehouse.runtime.session.SessionId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Whether a session exists, answered from the journal: a session exists once it has an event, and
 * its first event is always in partition 0 of the journal's table. An id not known here costs one
 * read of at most one row, with the journal's read profile (its consistency level), so a session
 * written through another node is seen; nothing is written, and no entity starts.
 *
 * <p>Ids found, and ids this node just created ({@link #known}), are kept in a bounded LRU cache: a
 * session never stops existing (a closed session still has its events). Misses are not cached: a
 * session being created right now must not stay unknown.
 *
 * <p>A failed read fails the answer: the caller decides (it is not a "no").
 */
public final class JournalSessionExistence implements SessionExistence {

  /**
   * @param keyspace and {@code table}: where the journal plugin writes events
   * @param readProfile the journal's driver profile for reads
   * @param cacheSize how many existing ids are remembered (0: none)
   */
  public record Settings(String keyspace, String table, String readProfile, int cacheSize) {
    public Settings {
      if (cacheSize < 0) {
        throw new IllegalArgumentException("cache-size must not be negative: " + cacheSize);
      }
    }

    public static Settings fromConfig(Config config) {
      return new Settings(
          config.getString("pekko.persistence.cassandra.journal.keyspace"),
          config.getString("pekko.persistence.cassandra.journal.table"),
          config.getString("pekko.persistence.cassandra.read-profile"),
          config.getInt("statehouse.session-existence.cache-size"));
    }
  }

  private final CqlSession cql;
  private final Settings settings;
  private final SimpleStatement read;
  // persistence ids of sessions and other entities (team workspaces)
  private final Map<String, Boolean> known;
  private volatile CompletionStage<PreparedStatement> prepared;

  /** {@code cql} is the journal's own driver session. */
  public JournalSessionExistence(CqlSession cql, Settings settings) {
    this.cql = cql;
    this.settings = settings;
    this.read =
        SimpleStatement.newInstance(
                "SELECT sequence_nr FROM "
                    + settings.keyspace()
                    + "."
                    + settings.table()
                    + " WHERE persistence_id = ? AND partition_nr = 0 LIMIT 1")
            .setExecutionProfileName(settings.readProfile())
            .setIdempotent(true);
    // access order: the least recently asked id goes first
    this.known =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > settings.cacheSize();
          }
        };
  }

  @Override
  public CompletionStage<Boolean> exists(SessionId id) {
    return existsEntity(id.persistenceId().id());
  }

  @Override
  public CompletionStage<Boolean> existsEntity(String persistenceId) {
    synchronized (known) {
      if (known.get(persistenceId) != null) {
        return CompletableFuture.completedFuture(true);
      }
    }
    return prepared()
        .thenCompose(
            statement ->
                cql.executeAsync(
                    statement
                        .bind(persistenceId)
                        .setExecutionProfileName(settings.readProfile())
                        .setIdempotent(true)))
        .thenApply(
            rows -> {
              boolean found = rows.one() != null;
              if (found) {
                knownEntity(persistenceId);
              }
              return found;
            });
  }

  /** Remembers that {@code id} exists, e.g. right after its session was created on this node. */
  @Override
  public void known(SessionId id) {
    knownEntity(id.persistenceId().id());
  }

  /** Remembers that the entity with {@code persistenceId} exists. */
  public void knownEntity(String persistenceId) {
    synchronized (known) {
      known.put(persistenceId, Boolean.TRUE);
    }
  }

  /** Prepared once; a failed prepare (Cassandra down) is tried again by the next call. */
  private CompletionStage<PreparedStatement> prepared() {
    CompletionStage<PreparedStatement> current = prepared;
    if (current == null) {
      current = cql.prepareAsync(read);
      prepared = current;
      CompletionStage<PreparedStatement> attempt = current;
      current.whenComplete(
          (statement, error) -> {
            if (error != null && prepared == attempt) {
              prepared = null;
            }
          });
    }
    return current;
  }
}

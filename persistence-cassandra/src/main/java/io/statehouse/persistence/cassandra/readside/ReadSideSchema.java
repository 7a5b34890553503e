package io.statehouse.persistence.cassandra.readside;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * The read side's tables. Idempotent: every statement is {@code IF NOT EXISTS}. Schema changes wait
 * for agreement across the Cassandra cluster, so they get a longer timeout than ordinary requests.
 */
public final class ReadSideSchema {
  private static final Duration DDL_TIMEOUT = Duration.ofSeconds(60);

  /** The columns of an approval entry, shared by both approval tables. */
  private static final String APPROVAL_COLUMNS =
      "tenant text, approval_id text, session_id text, turn_id text, call_id text, agent text, "
          + "tool text, input_json text, reason text, approvers frozen<list<text>>, kind text, "
          + "requested_by text, requested_at timestamp, expires_at timestamp, status text, "
          + "decided_by text, decided_at timestamp, ";

  /**
   * gc_grace_seconds of approval_deadlines: Cassandra's default hint window. Every decided approval
   * leaves a tombstone there that each due() read scans until compaction purges it, and the default
   * of 10 days would let them pile up. A deleted deadline that comes back (a replica that missed
   * the delete and was not repaired in time) is harmless: the session checks its own state and
   * ignores an expiry of an approval it already decided.
   */
  private static final Duration DEADLINE_TOMBSTONE_GRACE = Duration.ofHours(3);

  private ReadSideSchema() {}

  public static CompletionStage<Done> create(CassandraSession session, ReadSideSettings settings) {
    String ks = settings.keyspace();
    List<String> statements =
        List.of(
            "CREATE KEYSPACE IF NOT EXISTS " + ks + " WITH replication = " + settings.replication(),
            "CREATE TABLE IF NOT EXISTS "
                + ks
                + ".sessions_by_tenant ("
                + "tenant text, session_id text, agent text, agent_version int, status text, "
                + "last_turn_id text, created_at timestamp, updated_at timestamp, "
                + "PRIMARY KEY ((tenant), session_id))",
            "CREATE TABLE IF NOT EXISTS "
                + ks
                + ".approvals_by_tenant ("
                + APPROVAL_COLUMNS
                + "PRIMARY KEY ((tenant), approval_id))",
            "CREATE TABLE IF NOT EXISTS "
                + ks
                + ".approvals_by_status ("
                + APPROVAL_COLUMNS
                + "PRIMARY KEY ((tenant, status), approval_id))",
            "CREATE TABLE IF NOT EXISTS "
                + ks
                + ".usage_by_day ("
                + "tenant text, day date, session_id text, agent text, provider text, model text, "
                + "model_calls bigint, input_tokens bigint, output_tokens bigint, "
                + "cache_read_tokens bigint, cache_write_tokens bigint, cost_usd decimal, "
                + "PRIMARY KEY ((tenant, day), session_id))",
            "CREATE TABLE IF NOT EXISTS "
                + ks
                + ".approval_deadlines ("
                + "bucket int, expires_at timestamp, tenant text, approval_id text, session_id text, "
                + "PRIMARY KEY ((bucket), expires_at, tenant, approval_id)) "
                + "WITH gc_grace_seconds = "
                + DEADLINE_TOMBSTONE_GRACE.toSeconds());
    CompletionStage<Done> chain = CompletableFuture.completedFuture(Done.getInstance());
    for (String cql : statements) {
      // one after another: the tables need the keyspace, and concurrent schema changes can disagree
      chain = chain.thenCompose(d -> ddl(session, cql));
    }
    return chain;
  }

  private static CompletionStage<Done> ddl(CassandraSession session, String cql) {
    return session.executeWrite(SimpleStatement.newInstance(cql).setTimeout(DDL_TIMEOUT));
  }
}

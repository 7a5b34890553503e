package io.statehouse.persistence.cassandra.readside;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * The read side's tables. Idempotent: every statement is {@code IF NOT EXISTS}. Schema changes wait
 * for agreement across the Cassandra cluster, so they get a longer timeout than ordinary requests.
 */
public final class ReadSideSchema {
  private static final Duration DDL_TIMEOUT = Duration.ofSeconds(60);

  private ReadSideSchema() {}

  public static CompletionStage<Done> create(CassandraSession session, ReadSideSettings settings) {
    String ks = settings.keyspace();
    return ddl(
            session,
            "CREATE KEYSPACE IF NOT EXISTS " + ks + " WITH replication = " + settings.replication())
        .thenCompose(
            d ->
                ddl(
                    session,
                    "CREATE TABLE IF NOT EXISTS "
                        + ks
                        + ".sessions_by_tenant ("
                        + "tenant text, session_id text, agent text, agent_version int, status text, "
                        + "last_turn_id text, created_at timestamp, updated_at timestamp, "
                        + "PRIMARY KEY ((tenant), session_id))"));
  }

  private static CompletionStage<Done> ddl(CassandraSession session, String cql) {
    return session.executeWrite(SimpleStatement.newInstance(cql).setTimeout(DDL_TIMEOUT));
  }
}

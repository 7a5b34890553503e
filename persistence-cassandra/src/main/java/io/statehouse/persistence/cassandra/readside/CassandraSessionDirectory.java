package io.statehouse.persistence.cassandra.readside;

import com.datastax.oss.driver.api.core.cql.Row;
import io.statehouse.runtime.session.SessionDirectory;
import io.statehouse.runtime.session.SessionStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * Reads a tenant's sessions from {@code sessions_by_tenant} (one partition per tenant, ordered by
 * session id). A status filter is applied by Cassandra inside that one partition.
 */
public final class CassandraSessionDirectory implements SessionDirectory {
  private final CassandraSession session;
  private final String table;

  public CassandraSessionDirectory(CassandraSession session, ReadSideSettings settings) {
    this.session = session;
    this.table = settings.keyspace() + ".sessions_by_tenant";
  }

  @Override
  public CompletionStage<List<Entry>> list(
      String tenant, Optional<SessionStatus> status, int limit, Optional<String> after) {
    StringBuilder cql =
        new StringBuilder(
            "SELECT session_id, agent, agent_version, status, last_turn_id, created_at, updated_at FROM ")
            .append(table)
            .append(" WHERE tenant = ?");
    List<Object> values = new ArrayList<>();
    values.add(tenant);
    after.ifPresent(
        a -> {
          cql.append(" AND session_id > ?");
          values.add(a);
        });
    status.ifPresent(
        s -> {
          cql.append(" AND status = ?");
          values.add(s.wire());
        });
    cql.append(" LIMIT ?");
    values.add(limit);
    if (status.isPresent()) {
      cql.append(" ALLOW FILTERING");
    }
    return session.selectAll(cql.toString(), values.toArray()).thenApply(rows -> rows.stream().map(this::entry).toList());
  }

  private Entry entry(Row r) {
    return new Entry(
        r.getString("session_id"),
        r.getString("agent"),
        r.getInt("agent_version"),
        SessionStatus.fromWire(r.getString("status")),
        r.getString("last_turn_id"),
        r.getInstant("created_at"),
        r.getInstant("updated_at"));
  }
}

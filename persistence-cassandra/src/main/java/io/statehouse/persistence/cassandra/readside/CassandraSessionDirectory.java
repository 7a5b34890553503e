package io.statehouse.persistence.cassandra.readside;

import com.datastax.oss.driver.api.core.cql.Row;
import io.statehouse.runtime.session.SessionDirectory;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.session.SessionStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session list in {@code sessions_by_tenant}: one partition per tenant, ordered by session id.
 *
 * <p>A session writes its own row after each persisted status change, with the row's write
 * timestamp set to the sequence number of its latest event ({@code USING TIMESTAMP}). Cassandra
 * keeps the cell with the highest timestamp, so a late or repeated write never overwrites a newer
 * one, without a read or a lightweight transaction. Only sessions write these rows, so no other
 * timestamps compete.
 */
public final class CassandraSessionDirectory implements SessionDirectory {
  private static final Logger log = LoggerFactory.getLogger(CassandraSessionDirectory.class);

  private final CassandraSession session;
  private final ReadSideSettings settings;
  private final String table;

  public CassandraSessionDirectory(CassandraSession session, ReadSideSettings settings) {
    this.session = session;
    this.settings = settings;
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
      // filtering inside one tenant's partition, not across the cluster
      cql.append(" ALLOW FILTERING");
    }
    return session
        .selectAll(cql.toString(), values.toArray())
        .thenApply(rows -> rows.stream().map(this::entry).toList());
  }

  @Override
  public void record(SessionId id, Entry e, long sequenceNr) {
    RetriedWrite.run(
        settings,
        () ->
            session.executeWrite(
                "UPDATE "
                    + table
                    + " USING TIMESTAMP ? SET agent = ?, agent_version = ?, status = ?, "
                    + "last_turn_id = ?, created_at = ?, updated_at = ? "
                    + "WHERE tenant = ? AND session_id = ?",
                sequenceNr,
                e.agent(),
                e.agentVersion(),
                e.status().wire(),
                e.lastTurnId(),
                e.createdAt(),
                e.updatedAt(),
                id.tenant(),
                id.id()),
        (error, attempts) ->
            log.warn(
                "could not record list entry of session {} at event {} after {} attempts ({}); "
                    + "it is written again at the session's next status change or recovery",
                id.entityId(),
                sequenceNr,
                attempts,
                error.toString()));
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

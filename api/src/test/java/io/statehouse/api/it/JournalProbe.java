package io.statehouse.api.it;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.OptionsMap;
import com.datastax.oss.driver.api.core.config.TypedDriverOption;
import com.datastax.oss.driver.api.core.cql.Row;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.session.SessionId;
import java.util.List;

/**
 * Reads a session's journal straight from Cassandra, without going through a node: a test can watch
 * a session recover by itself without waking it with a request.
 */
public final class JournalProbe implements AutoCloseable {
  private final CqlSession cql;
  private final String keyspace;

  public JournalProbe(CassandraTestKeyspaces keyspaces) {
    this(
        keyspaces.contactPoint().getHostString() + ":" + keyspaces.contactPoint().getPort(),
        keyspaces.journalKeyspace());
  }

  private JournalProbe(String contactPoint, String keyspace) {
    this.cql = connect(contactPoint);
    this.keyspace = keyspace;
  }

  /** A CQL session on the test Cassandra, for tests that edit what a node stored. */
  public static CqlSession connect(CassandraTestKeyspaces keyspaces) {
    return connect(
        keyspaces.contactPoint().getHostString() + ":" + keyspaces.contactPoint().getPort());
  }

  private static CqlSession connect(String contactPoint) {
    // a programmatic config only: the default loader would also read application.conf from the
    // classpath and add its contact point (the dev server's 9042) to ours
    OptionsMap options = OptionsMap.driverDefaults();
    options.put(TypedDriverOption.CONTACT_POINTS, List.of(contactPoint));
    options.put(
        TypedDriverOption.LOAD_BALANCING_LOCAL_DATACENTER, CassandraTestKeyspaces.LOCAL_DATACENTER);
    return CqlSession.builder().withConfigLoader(DriverConfigLoader.fromMap(options)).build();
  }

  /** The journal of a node that runs with the default keyspace names (its own Cassandra). */
  public static JournalProbe defaultKeyspaces(String host, int port) {
    return new JournalProbe(host + ":" + port, "statehouse_journal");
  }

  /** Every persistent actor that ever wrote: sessions, catalogs, sharding's stores. */
  public List<String> persistenceIds() {
    return cql
        .execute("SELECT persistence_id FROM " + keyspace + ".all_persistence_ids")
        .all()
        .stream()
        .map(r -> r.getString("persistence_id"))
        .toList();
  }

  /** The sequence numbers stored for {@code persistenceId}, in order. */
  public List<Long> sequenceNumbers(String persistenceId) {
    return cql
        .execute(
            "SELECT sequence_nr FROM "
                + keyspace
                + ".messages WHERE persistence_id = ? AND partition_nr = 0",
            persistenceId)
        .all()
        .stream()
        .map(r -> r.getLong("sequence_nr"))
        .toList();
  }

  /** The simple class names of the session's events, in order. */
  public List<String> eventTypes(SessionId id) {
    return cql
        .execute(
            "SELECT ser_manifest FROM "
                + keyspace
                + ".messages WHERE persistence_id = ? AND partition_nr = 0",
            id.persistenceId().id())
        .all()
        .stream()
        .map((Row r) -> r.getString("ser_manifest"))
        .map(m -> m.substring(Math.max(m.lastIndexOf('$'), m.lastIndexOf('.')) + 1))
        .toList();
  }

  public long count(SessionId id, String type) {
    return eventTypes(id).stream().filter(type::equals).count();
  }

  /** Removes events {@code from} to {@code to} of the session, as a bad restore or edit would. */
  public void deleteEvents(SessionId id, long from, long to) {
    cql.execute(
        "DELETE FROM "
            + keyspace
            + ".messages WHERE persistence_id = ? AND partition_nr = 0"
            + " AND sequence_nr >= ? AND sequence_nr <= ?",
        id.persistenceId().id(),
        from,
        to);
  }

  @Override
  public void close() {
    cql.close();
  }
}

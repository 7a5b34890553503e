package io.statehouse.persistence.cassandra.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The facts of a real Cassandra: the test server is the embedded one, batch and one replica. */
@ExtendWith(CassandraExtension.class)
class JournalDurabilityIT {

  @Test
  void readsReplicationAndCommitLogModeFromTheServerAndWarnsOfASingleReplica(
      CassandraTestKeyspaces keyspaces) {
    Config config = keyspaces.persistenceConfig();
    try (CqlSession cql =
        CqlSession.builder()
            .addContactPoint(keyspaces.contactPoint())
            .withLocalDatacenter(CassandraTestKeyspaces.LOCAL_DATACENTER)
            .build()) {
      cql.execute(
          "CREATE KEYSPACE IF NOT EXISTS "
              + keyspaces.journalKeyspace()
              + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");

      JournalDurability.Facts facts = JournalDurability.read(cql, config);

      assertEquals(Optional.of(1), facts.replicationFactor());
      assertEquals(Optional.of("batch"), facts.commitLogSync().map(String::toLowerCase));
      assertEquals("QUORUM", facts.writeConsistency());
      List<String> warnings = JournalDurability.warnings(facts);
      assertEquals(1, warnings.size(), warnings.toString());
      assertTrue(warnings.get(0).contains("replication factor 1"), warnings.get(0));
    }
  }
}

package io.statehouse.persistence.cassandra.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.statehouse.persistence.cassandra.journal.JournalDurability.Facts;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JournalDurabilityTest {

  private static Facts facts(int rf, String write, String read, String sync) {
    return new Facts("journal", Optional.of(rf), write, read, Optional.ofNullable(sync));
  }

  @Test
  void threeReplicasWithQuorumWritesAndReadsGiveNoWarningWhateverTheCommitLog() {
    assertEquals(List.of(), JournalDurability.warnings(facts(3, "QUORUM", "QUORUM", "periodic")));
    assertEquals(
        List.of(), JournalDurability.warnings(facts(5, "LOCAL_QUORUM", "LOCAL_QUORUM", "batch")));
  }

  @Test
  void oneReplicaIsNamedAsLosingAcknowledgedTurnsAndPeriodicSyncMakesItWorse() {
    List<String> batch = JournalDurability.warnings(facts(1, "QUORUM", "QUORUM", "batch"));
    List<String> periodic = JournalDurability.warnings(facts(1, "QUORUM", "QUORUM", "periodic"));

    assertEquals(1, batch.size(), batch.toString());
    assertTrue(batch.get(0).contains("replication factor 1"), batch.get(0));
    assertEquals(2, periodic.size(), periodic.toString());
    assertTrue(periodic.get(1).contains("commitlog_sync: periodic"), periodic.get(1));
  }

  @Test
  void weakConsistencyOnThreeReplicasIsNamedForWritesAndReads() {
    List<String> w = JournalDurability.warnings(facts(3, "ONE", "LOCAL_ONE", "batch"));

    assertEquals(2, w.size(), w.toString());
    assertTrue(w.get(0).startsWith("journal writes use consistency ONE"), w.get(0));
    assertTrue(w.get(1).startsWith("journal reads use consistency LOCAL_ONE"), w.get(1));
  }

  @Test
  void unknownReplicationIsAWarningToo() {
    List<String> w =
        JournalDurability.warnings(
            new Facts("journal", Optional.empty(), "QUORUM", "QUORUM", Optional.empty()));
    assertEquals(1, w.size());
    assertTrue(w.get(0).contains("cannot read the replication"), w.get(0));
  }

  @Test
  void readsTheLocalDataCentersFactorOfNetworkTopologyAndFullReplicasOfTransientOnes() {
    assertEquals(
        3,
        JournalDurability.replicationFactor(
            Map.of("class", "org.apache.cassandra.locator.NetworkTopologyStrategy", "dc1", "3/1"),
            "dc1"));
    assertEquals(
        0,
        JournalDurability.replicationFactor(
            Map.of("class", "NetworkTopologyStrategy", "dc2", "3"), "dc1"));
    assertEquals(
        2,
        JournalDurability.replicationFactor(
            Map.of("class", "SimpleStrategy", "replication_factor", "2"), "dc1"));
  }

  @Test
  void takesTheJournalProfilesConsistencyFromThePluginsConfig() {
    assertEquals(
        "QUORUM",
        JournalDurability.consistency(ConfigFactory.load(), "pekko-persistence-cassandra-profile"));
    assertEquals(
        "ONE",
        JournalDurability.consistency(
            ConfigFactory.parseString(
                "datastax-java-driver.profiles.p.basic.request.consistency = one"),
            "p"));
  }
}

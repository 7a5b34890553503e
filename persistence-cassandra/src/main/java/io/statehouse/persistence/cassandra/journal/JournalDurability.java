package io.statehouse.persistence.cassandra.journal;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether an acknowledged journal write survives the loss of a Cassandra node, judged from the
 * journal keyspace's replication, the journal's consistency levels and the server's commit-log
 * mode. A node that runs against an external Cassandra logs each finding as a warning at start;
 * docs/operations.md ("Durability") says what to set.
 */
public final class JournalDurability {
  private static final Set<String> QUORUMS = Set.of("QUORUM", "LOCAL_QUORUM", "EACH_QUORUM", "ALL");

  private JournalDurability() {}

  /**
   * What the node found.
   *
   * @param replicationFactor copies of each journal row in the local data center, if known
   * @param commitLogSync the server's commitlog_sync (batch, group, periodic), if it says
   */
  public record Facts(
      String keyspace,
      Optional<Integer> replicationFactor,
      String writeConsistency,
      String readConsistency,
      Optional<String> commitLogSync) {}

  /** The findings, each a sentence saying what could be lost and what to change; empty if none. */
  public static List<String> warnings(Facts f) {
    List<String> out = new ArrayList<>();
    int rf = f.replicationFactor().orElse(0);
    if (f.replicationFactor().isEmpty()) {
      out.add(
          "cannot read the replication of keyspace "
              + f.keyspace()
              + "; an acknowledged turn is durable only with replication factor 3 or more");
    } else if (rf < 3) {
      out.add(
          "journal keyspace "
              + f.keyspace()
              + " has replication factor "
              + rf
              + ": losing one Cassandra node (or its disk) loses acknowledged turns. Use 3 or"
              + " more (docs/operations.md, Durability)");
    }
    if (rf >= 3) {
      if (!QUORUMS.contains(f.writeConsistency())) {
        out.add(
            "journal writes use consistency "
                + f.writeConsistency()
                + ": a write is acknowledged by fewer than a majority of replicas and can be lost"
                + " with one node. Use QUORUM or LOCAL_QUORUM");
      }
      if (!QUORUMS.contains(f.readConsistency())) {
        out.add(
            "journal reads use consistency "
                + f.readConsistency()
                + ": recovery may read a replica that missed acknowledged writes and write"
                + " after them. Use QUORUM or LOCAL_QUORUM");
      }
    }
    Optional<String> sync = f.commitLogSync().map(s -> s.toLowerCase(Locale.ROOT));
    if (sync.isPresent() && sync.get().equals("periodic") && rf < 3) {
      out.add(
          "Cassandra runs commitlog_sync: periodic, which acknowledges writes before they are"
              + " synced; with fewer than 3 replicas a crash of Cassandra loses the last"
              + " acknowledged turns. Use commitlog_sync: batch or group, or replication 3 with"
              + " QUORUM");
    }
    return out;
  }

  /** Reads the facts from the journal's driver session and the node's config. */
  public static Facts read(CqlSession cql, Config config) {
    Config journal = config.getConfig("pekko.persistence.cassandra.journal");
    String keyspace = journal.getString("keyspace");
    String localDc = config.getString("statehouse.cassandra.local-datacenter");
    Optional<Integer> rf =
        Optional.ofNullable(
                cql.execute(
                        "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?",
                        keyspace)
                    .one())
            .map(
                row ->
                    replicationFactor(
                        row.getMap("replication", String.class, String.class), localDc));
    Optional<String> sync;
    try {
      Row row =
          cql.execute("SELECT value FROM system_views.settings WHERE name = 'commitlog_sync'")
              .one();
      sync = Optional.ofNullable(row).map(r -> r.getString("value"));
    } catch (RuntimeException olderThanCassandra4) {
      sync = Optional.empty();
    }
    return new Facts(
        keyspace,
        rf,
        consistency(config, config.getString("pekko.persistence.cassandra.write-profile")),
        consistency(config, config.getString("pekko.persistence.cassandra.read-profile")),
        sync);
  }

  static Integer replicationFactor(Map<String, String> replication, String localDc) {
    String strategy = replication.getOrDefault("class", "");
    String value =
        strategy.endsWith("SimpleStrategy")
            ? replication.get("replication_factor")
            : replication.get(localDc);
    if (value == null) {
      return 0;
    }
    // Cassandra 4+ may write "3/1" for transient replication: full replicas come first
    return Integer.parseInt(value.split("/")[0].trim());
  }

  /** The consistency of a driver profile, as the node's config sets it (or the driver default). */
  static String consistency(Config config, String profile) {
    String key = "basic.request.consistency";
    String inProfile = "datastax-java-driver.profiles." + profile + "." + key;
    String fallback = "datastax-java-driver." + key;
    String value =
        config.hasPath(inProfile)
            ? config.getString(inProfile)
            : config.hasPath(fallback) ? config.getString(fallback) : "LOCAL_ONE";
    return value.toUpperCase(Locale.ROOT);
  }
}

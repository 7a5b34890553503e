package io.statehouse.persistence.cassandra.readside;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Where and how the read side lives, from {@code statehouse.cassandra.read-side}. The keyspace is
 * created with the journal's replication settings, so both have the same durability.
 *
 * @param recordAttempts how often a session's list entry is written before giving up (the next
 *     status change or recovery of the session writes it again)
 */
public record ReadSideSettings(
    String keyspace,
    boolean createSchema,
    String replication,
    int recordAttempts,
    Duration recordBackoff) {

  public static ReadSideSettings fromConfig(Config root) {
    Config c = root.getConfig("statehouse.cassandra.read-side");
    Config journal = root.getConfig("pekko.persistence.cassandra.journal");
    return new ReadSideSettings(
        c.getString("keyspace"),
        c.getBoolean("create-schema"),
        replicationOf(journal),
        c.getInt("record-attempts"),
        c.getDuration("record-backoff"));
  }

  private static String replicationOf(Config journal) {
    if ("NetworkTopologyStrategy".equals(journal.getString("replication-strategy"))) {
      StringBuilder sb = new StringBuilder("{'class': 'NetworkTopologyStrategy'");
      for (String dcFactor : journal.getStringList("data-center-replication-factors")) {
        String[] parts = dcFactor.split(":");
        sb.append(", '").append(parts[0].trim()).append("': ").append(parts[1].trim());
      }
      return sb.append('}').toString();
    }
    return "{'class': 'SimpleStrategy', 'replication_factor': "
        + journal.getInt("replication-factor")
        + "}";
  }
}

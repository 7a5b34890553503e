package io.statehouse.persistence.cassandra.readside;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Where and how the read side lives, from {@code statehouse.cassandra.read-side}. The keyspace is
 * created with the journal's replication settings, so both have the same durability.
 *
 * @param saveOffsetAfter the projection saves its offset after this many events…
 * @param saveOffsetInterval …or after this long, whichever comes first (re-delivery is harmless: the
 *     projection's writes are idempotent upserts)
 * @param initialLookback where a projection with no saved offset starts: this long before now
 */
public record ReadSideSettings(
    String keyspace,
    boolean createSchema,
    String replication,
    int saveOffsetAfter,
    Duration saveOffsetInterval,
    Duration initialLookback) {

  public static ReadSideSettings fromConfig(Config root) {
    Config c = root.getConfig("statehouse.cassandra.read-side");
    Config journal = root.getConfig("pekko.persistence.cassandra.journal");
    return new ReadSideSettings(
        c.getString("keyspace"),
        c.getBoolean("create-schema"),
        replicationOf(journal),
        c.getInt("save-offset-after-events"),
        c.getDuration("save-offset-interval"),
        c.getDuration("initial-lookback"));
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
    return "{'class': 'SimpleStrategy', 'replication_factor': " + journal.getInt("replication-factor") + "}";
  }
}

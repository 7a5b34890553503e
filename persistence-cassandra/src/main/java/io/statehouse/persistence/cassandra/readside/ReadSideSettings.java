package io.statehouse.persistence.cassandra.readside;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Where and how the read side lives, from {@code statehouse.cassandra.read-side}. The keyspace is
 * created with the journal's replication settings, so both have the same durability.
 *
 * @param recordAttempts how often a session's list entry is written before giving up (the next
 *     status change or recovery of the session writes it again)
 * @param decidedApprovalsKept how long the approval queue lists an approval after its decision (the
 *     journal of its session keeps it for good); zero keeps it in the queue for good too
 */
public record ReadSideSettings(
    String keyspace,
    boolean createSchema,
    String replication,
    int recordAttempts,
    Duration recordBackoff,
    Duration decidedApprovalsKept) {

  public ReadSideSettings {
    if (decidedApprovalsKept.isNegative() || decidedApprovalsKept.toSeconds() > MAX_TTL_SECONDS) {
      throw new IllegalArgumentException(
          "statehouse.cassandra.read-side.decided-approvals-kept must be between 0 and 20 years,"
              + " not "
              + decidedApprovalsKept);
    }
  }

  /** Cassandra's largest TTL (20 years). */
  static final long MAX_TTL_SECONDS = 630_720_000L;

  /** The same settings keeping decided approvals in the queue for good. */
  public ReadSideSettings(
      String keyspace,
      boolean createSchema,
      String replication,
      int recordAttempts,
      Duration recordBackoff) {
    this(keyspace, createSchema, replication, recordAttempts, recordBackoff, Duration.ZERO);
  }

  public static ReadSideSettings fromConfig(Config root) {
    Config c = root.getConfig("statehouse.cassandra.read-side");
    Config journal = root.getConfig("pekko.persistence.cassandra.journal");
    return new ReadSideSettings(
        c.getString("keyspace"),
        c.getBoolean("create-schema"),
        replicationOf(journal),
        c.getInt("record-attempts"),
        c.getDuration("record-backoff"),
        c.getDuration("decided-approvals-kept"));
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

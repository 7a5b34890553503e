package io.statehouse.runtime.session;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Tunables of sessions, from {@code statehouse.session}.
 *
 * @param passivateAfter an idle session (no turn in flight) leaves memory after this long
 * @param journalRetryMin after a failed journal write or recovery the session restarts and reads
 *     its journal again, first after this long, then backing off up to {@code journalRetryMax}
 */
public record SessionSettings(
    int snapshotEvery,
    int keepSnapshots,
    Duration passivateAfter,
    Duration modelCallTimeout,
    int modelMaxAttempts,
    Duration modelRetryBackoff,
    Duration journalRetryMin,
    Duration journalRetryMax) {

  public static SessionSettings fromConfig(Config root) {
    Config c = root.getConfig("statehouse.session");
    return new SessionSettings(
        c.getInt("snapshot-every"),
        c.getInt("keep-snapshots"),
        c.getDuration("passivate-after"),
        c.getDuration("model.call-timeout"),
        c.getInt("model.max-attempts"),
        c.getDuration("model.retry-backoff"),
        c.getDuration("journal-retry.min-backoff"),
        c.getDuration("journal-retry.max-backoff"));
  }
}

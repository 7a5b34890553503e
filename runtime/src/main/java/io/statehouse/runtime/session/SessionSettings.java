package io.statehouse.runtime.session;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Tunables of sessions, from {@code statehouse.session}.
 *
 * @param passivateAfter an idle session (no turn in flight) leaves memory after this long
 */
public record SessionSettings(
    int snapshotEvery,
    int keepSnapshots,
    Duration passivateAfter,
    Duration modelCallTimeout,
    int modelMaxAttempts,
    Duration modelRetryBackoff) {

  public static SessionSettings fromConfig(Config root) {
    Config c = root.getConfig("statehouse.session");
    return new SessionSettings(
        c.getInt("snapshot-every"),
        c.getInt("keep-snapshots"),
        c.getDuration("passivate-after"),
        c.getDuration("model.call-timeout"),
        c.getInt("model.max-attempts"),
        c.getDuration("model.retry-backoff"));
  }
}

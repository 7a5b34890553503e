package io.statehouse.persistence.cassandra.launcher;

import java.time.Duration;
import java.util.Locale;

/**
 * When the embedded Cassandra acknowledges a write, relative to syncing its commit log.
 *
 * <p>Only {@link Mode#BATCH} and {@link Mode#GROUP} make an acknowledgement durable: the write is
 * fsynced before the client hears of it. {@link Mode#PERIODIC} acknowledges at once and syncs every
 * {@code window}; on restart Cassandra replays only what was synced, so a process crash (not only a
 * power cut) loses up to {@code window} of acknowledged writes. It is kept for comparison in the
 * benchmark, never as the default.
 *
 * @param window for GROUP, the longest a write waits for the sync that covers it; for PERIODIC, the
 *     sync period; ignored for BATCH, which syncs as soon as a write arrives (writes that arrive
 *     during a sync share the next one)
 */
public record CommitLogSync(Mode mode, Duration window) {

  /** Cassandra's {@code commitlog_sync} values. */
  public enum Mode {
    BATCH,
    GROUP,
    PERIODIC;

    public String yaml() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Mode fromConfig(String value) {
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "commitlog-sync must be batch, group or periodic, got '" + value + "'");
      }
    }
  }

  public CommitLogSync {
    if (mode != Mode.BATCH && (window.isNegative() || window.isZero())) {
      throw new IllegalArgumentException(
          "commitlog-sync-window must be positive for " + mode.yaml() + ", got " + window);
    }
  }

  public static CommitLogSync of(String mode, Duration window) {
    return new CommitLogSync(Mode.fromConfig(mode), window);
  }

  /** Whether an acknowledged write is already on disk. */
  public boolean durable() {
    return mode != Mode.PERIODIC;
  }

  /** The cassandra.yaml lines for this setting. */
  String yamlLines() {
    return switch (mode) {
      case BATCH -> "commitlog_sync: batch";
      case GROUP ->
          "commitlog_sync: group\ncommitlog_sync_group_window: " + window.toMillis() + "ms";
      case PERIODIC ->
          "commitlog_sync: periodic\ncommitlog_sync_period: " + window.toMillis() + "ms";
    };
  }

  @Override
  public String toString() {
    return mode == Mode.BATCH ? "batch" : mode.yaml() + " " + window.toMillis() + "ms";
  }
}

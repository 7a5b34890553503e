package io.statehouse.runtime.session;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Tunables of sessions, from {@code statehouse.session}.
 *
 * @param passivateAfter an idle session (no turn in flight) leaves memory after this long
 * @param journalRetryMin after a failed journal write or recovery the session restarts and reads
 *     its journal again, first after this long, then backing off up to {@code journalRetryMax}
 * @param idempotencyKeyWindow how long after its turn ended a client's idempotency key still names
 *     that turn (while the turn is also among the last {@code idempotencyKeyTurns}); after that the
 *     same key starts a new turn
 * @param idempotencyKeyTurns how many finished turns a session remembers, for repeated keys and
 *     late waits: 1 to {@value SessionState#MAX_RECENT_TURNS_KEPT}, since each is held, with its
 *     answer, in the session's memory and snapshots
 * @param maxQueuedMessages how many messages a session of an agent that queues them ({@code
 *     multitask: enqueue}) holds while a turn runs; one more is refused with {@code queue_full}
 * @param contextMessages the bound of a session's working context, in messages: when a turn starts,
 *     the oldest whole turns beyond it leave the context the model sees and the session's memory
 *     and snapshots hold (the journal keeps them); 2 to {@value #MAX_CONTEXT_MESSAGES}
 * @param readSideInterval a session writes its list entry and usage figures at most once per this
 *     long, the latest ones (a turn's "running" entry only once it has run this long); zero writes
 *     each change at once
 */
public record SessionSettings(
    int snapshotEvery,
    int keepSnapshots,
    Duration passivateAfter,
    Duration modelCallTimeout,
    int modelMaxAttempts,
    Duration modelRetryBackoff,
    Duration journalRetryMin,
    Duration journalRetryMax,
    Duration idempotencyKeyWindow,
    int idempotencyKeyTurns,
    int maxQueuedMessages,
    Duration handOffGrace,
    Duration readSideInterval,
    int contextMessages) {

  /** The default grace: {@code statehouse.session.hand-off-grace} in session.conf. */
  public static final Duration DEFAULT_HAND_OFF_GRACE = Duration.ofSeconds(20);

  /** The default bound: {@code statehouse.session.max-queued-messages} in session.conf. */
  public static final int DEFAULT_MAX_QUEUED_MESSAGES = 100;

  /** The default window: {@code statehouse.session.idempotency-key-window} in session.conf. */
  public static final Duration DEFAULT_IDEMPOTENCY_KEY_WINDOW = Duration.ofHours(24);

  /** The largest working context a session may be configured to keep, in messages. */
  public static final int MAX_CONTEXT_MESSAGES = 100_000;

  public SessionSettings {
    if (contextMessages < 2 || contextMessages > MAX_CONTEXT_MESSAGES) {
      throw new IllegalArgumentException(
          "statehouse.session.context-messages must be between 2 and "
              + MAX_CONTEXT_MESSAGES
              + ", not "
              + contextMessages);
    }
    if (readSideInterval.isNegative() || readSideInterval.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException(
          "statehouse.session.read-side-interval must be between 0 and 1 minute, not "
              + readSideInterval);
    }
    if (idempotencyKeyWindow.isNegative() || idempotencyKeyWindow.isZero()) {
      throw new IllegalArgumentException(
          "statehouse.session.idempotency-key-window must be positive, not "
              + idempotencyKeyWindow);
    }
    if (idempotencyKeyTurns < 1 || idempotencyKeyTurns > SessionState.MAX_RECENT_TURNS_KEPT) {
      throw new IllegalArgumentException(
          "statehouse.session.idempotency-key-turns must be between 1 and "
              + SessionState.MAX_RECENT_TURNS_KEPT
              + " (each remembered turn is held in the session's memory and snapshots), not "
              + idempotencyKeyTurns);
    }
    if (maxQueuedMessages < 1 || maxQueuedMessages > 10_000) {
      throw new IllegalArgumentException(
          "statehouse.session.max-queued-messages must be between 1 and 10000 (queued messages are"
              + " held in the session's memory and snapshots), not "
              + maxQueuedMessages);
    }
  }

  /**
   * The same settings with the defaults of the idempotency-key window and turn count, the bound on
   * queued messages and the hand-off grace; read sides written at every change.
   */
  public SessionSettings(
      int snapshotEvery,
      int keepSnapshots,
      Duration passivateAfter,
      Duration modelCallTimeout,
      int modelMaxAttempts,
      Duration modelRetryBackoff,
      Duration journalRetryMin,
      Duration journalRetryMax) {
    this(
        snapshotEvery,
        keepSnapshots,
        passivateAfter,
        modelCallTimeout,
        modelMaxAttempts,
        modelRetryBackoff,
        journalRetryMin,
        journalRetryMax,
        DEFAULT_IDEMPOTENCY_KEY_WINDOW,
        SessionState.RECENT_TURNS_KEPT,
        DEFAULT_MAX_QUEUED_MESSAGES,
        DEFAULT_HAND_OFF_GRACE,
        Duration.ZERO,
        SessionState.DEFAULT_CONTEXT_MESSAGES);
  }

  /** These settings with another idempotency-key window and number of finished turns kept. */
  public SessionSettings withIdempotencyKeys(Duration window, int turns) {
    return new SessionSettings(
        snapshotEvery,
        keepSnapshots,
        passivateAfter,
        modelCallTimeout,
        modelMaxAttempts,
        modelRetryBackoff,
        journalRetryMin,
        journalRetryMax,
        window,
        turns,
        maxQueuedMessages,
        handOffGrace,
        readSideInterval,
        contextMessages);
  }

  /** These settings with another interval between a session's read-side writes. */
  public SessionSettings withReadSideInterval(Duration interval) {
    return new SessionSettings(
        snapshotEvery,
        keepSnapshots,
        passivateAfter,
        modelCallTimeout,
        modelMaxAttempts,
        modelRetryBackoff,
        journalRetryMin,
        journalRetryMax,
        idempotencyKeyWindow,
        idempotencyKeyTurns,
        maxQueuedMessages,
        handOffGrace,
        interval,
        contextMessages);
  }

  /** These settings with another bound on the working context. */
  public SessionSettings withContextMessages(int messages) {
    return new SessionSettings(
        snapshotEvery,
        keepSnapshots,
        passivateAfter,
        modelCallTimeout,
        modelMaxAttempts,
        modelRetryBackoff,
        journalRetryMin,
        journalRetryMax,
        idempotencyKeyWindow,
        idempotencyKeyTurns,
        maxQueuedMessages,
        handOffGrace,
        readSideInterval,
        messages);
  }

  /** What a session's fold keeps: finished turns and the working context. */
  public SessionState.Retention retention() {
    return new SessionState.Retention(idempotencyKeyTurns, contextMessages);
  }

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
        c.getDuration("journal-retry.max-backoff"),
        c.getDuration("idempotency-key-window"),
        c.getInt("idempotency-key-turns"),
        c.getInt("max-queued-messages"),
        c.getDuration("hand-off-grace"),
        c.getDuration("read-side-interval"),
        c.getInt("context-messages"));
  }
}

package io.statehouse.runtime.session;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The list of a tenant's sessions: a read model derived from the journal, never a second source of
 * truth. Each session records its own entry after every persisted status change and again whenever
 * it recovers, stamped with the sequence number of its latest event: the entry with the highest
 * sequence number wins, whatever order writes land in. A crash between a journal write and its
 * entry leaves the entry behind only until the session recovers, which remembered entities make
 * happen right after the crash.
 */
public interface SessionDirectory {

  /** One session as the list shows it. */
  record Entry(
      String sessionId,
      String agent,
      int agentVersion,
      SessionStatus status,
      String lastTurnId,
      Instant createdAt,
      Instant updatedAt) {}

  /**
   * Sessions of {@code tenant} in id order, at most {@code limit}, after the session id {@code
   * after} (for paging), optionally only those in {@code status}.
   */
  CompletionStage<List<Entry>> list(
      String tenant, Optional<SessionStatus> status, int limit, Optional<String> after);

  /**
   * Records {@code entry} as the state of session {@code id} as of event {@code sequenceNr}. Fire
   * and forget: it must not block or throw; failures are retried and logged by the implementation.
   */
  void record(SessionId id, Entry entry, long sequenceNr);

  /** A directory that lists nothing and records nothing (behaviour tests, benchmarks). */
  SessionDirectory NONE =
      new SessionDirectory() {
        @Override
        public CompletionStage<List<Entry>> list(
            String tenant, Optional<SessionStatus> status, int limit, Optional<String> after) {
          return java.util.concurrent.CompletableFuture.completedFuture(List.of());
        }

        @Override
        public void record(SessionId id, Entry entry, long sequenceNr) {}
      };
}

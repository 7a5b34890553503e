package io.statehouse.runtime.session;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The read side's list of a tenant's sessions, built from the journal by a projection (never a
 * second source of truth). Eventually consistent: a status change shows up a few seconds after the
 * event that made it.
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
  CompletionStage<List<Entry>> list(String tenant, Optional<SessionStatus> status, int limit, Optional<String> after);
}

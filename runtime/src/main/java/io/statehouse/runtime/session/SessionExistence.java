package io.statehouse.runtime.session;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Whether a session was ever opened, asked before a request reaches the session entity: starting an
 * entity for an id nobody opened would write to sharding's remember-entities store, so an unknown
 * id must cost at most one read.
 */
public interface SessionExistence {

  /**
   * True when the journal holds events of session {@code id}. Fails (rather than answering false)
   * when the journal cannot be read.
   */
  CompletionStage<Boolean> exists(SessionId id);

  /**
   * Tells that session {@code id} exists because this node just created it, so asking about it
   * costs no read. Implementations without a cache ignore it.
   */
  default void known(SessionId id) {}

  /**
   * True when the journal holds events of the entity with {@code persistenceId} (a team workspace,
   * say): the same one-read rule for the entities that are not sessions.
   */
  default CompletionStage<Boolean> existsEntity(String persistenceId) {
    return CompletableFuture.completedFuture(true);
  }

  /** Every id exists (behaviour tests, where no journal read is possible). */
  SessionExistence ANY = id -> CompletableFuture.completedFuture(true);
}

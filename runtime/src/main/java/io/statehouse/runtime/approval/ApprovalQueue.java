package io.statehouse.runtime.approval;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The approval queue of each tenant, and the deadlines of approvals that expire: a read model
 * derived from the sessions' journals, never a second source of truth. A session records an entry
 * after every persisted change of an approval, stamped with the sequence number of its latest event
 * (the entry with the highest one wins, whatever order writes land in), and again when it recovers.
 * Deciding an approval always goes to the session, which checks its own state.
 */
public interface ApprovalQueue {

  /**
   * Where an approval stands. PENDING is the only status an approval leaves; the others are final
   * (the queue removes an approval from the pending list, never from another status's).
   */
  enum Status {
    /** Waits for a human. */
    PENDING,
    /** Approved: the call ran (or runs). */
    APPROVED,
    /** Denied by a human. */
    DENIED,
    /** Denied because nobody decided before its deadline. */
    EXPIRED,
    /** An unknown outcome a human resolved (retry, or an outcome recorded by hand). */
    RESOLVED,
    /** The turn ended (failed, closed) before anyone decided. */
    CANCELLED;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Status fromWire(String value) {
      return valueOf(value.toUpperCase(Locale.ROOT));
    }
  }

  /**
   * What a pending approval waits for: a policy rule's approval, or a tool outcome nobody knows.
   */
  enum Kind {
    APPROVAL,
    OUTCOME_UNKNOWN;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Kind fromWire(String value) {
      return valueOf(value.toUpperCase(Locale.ROOT));
    }
  }

  /**
   * One approval as the queue shows it.
   *
   * @param inputJson the call's arguments as JSON (as redacted as the journal holds them)
   * @param approvers roles allowed to decide
   * @param expiresAt null when it never expires; the same in every entry of one approval (the
   *     deadline is found again by it when the approval is decided)
   * @param decidedBy subject of who decided (or {@code runtime} for an expiry), null while pending
   */
  record Entry(
      String approvalId,
      String sessionId,
      String turnId,
      String callId,
      String agent,
      String tool,
      String inputJson,
      String reason,
      List<String> approvers,
      Kind kind,
      String requestedBy,
      Instant requestedAt,
      Instant expiresAt,
      Status status,
      String decidedBy,
      Instant decidedAt) {}

  /** A pending approval whose deadline has passed; its session denies it when told. */
  record Deadline(String tenant, String sessionId, String approvalId, Instant expiresAt) {}

  /**
   * Records {@code entry} of {@code tenant} as of event {@code sequenceNr}; a pending entry with an
   * {@code expiresAt} also gets a deadline, any other status removes it. Fire and forget: must not
   * block or throw; failures are retried and logged by the implementation.
   */
  void record(String tenant, Entry entry, long sequenceNr);

  /**
   * Approvals of {@code tenant} in id order, at most {@code limit}, after the approval id {@code
   * after} (for paging), optionally only those in {@code status}.
   */
  CompletionStage<List<Entry>> list(
      String tenant, Optional<Status> status, int limit, Optional<String> after);

  /** Up to {@code limit} deadlines at or before {@code now}, of any tenant, earliest first. */
  CompletionStage<List<Deadline>> due(Instant now, int limit);

  /**
   * Removes {@code deadline}, which its session says nothing waits for (decided, its turn ended):
   * the removal the decision's own write should have made. Fire and forget, like {@link #record}.
   */
  void forget(Deadline deadline);

  /** A queue that lists nothing and records nothing (behaviour tests, benchmarks). */
  ApprovalQueue NONE =
      new ApprovalQueue() {
        @Override
        public void record(String tenant, Entry entry, long sequenceNr) {}

        @Override
        public void forget(Deadline deadline) {}

        @Override
        public CompletionStage<List<Entry>> list(
            String tenant, Optional<Status> status, int limit, Optional<String> after) {
          return CompletableFuture.completedFuture(List.of());
        }

        @Override
        public CompletionStage<List<Deadline>> due(Instant now, int limit) {
          return CompletableFuture.completedFuture(List.of());
        }
      };
}

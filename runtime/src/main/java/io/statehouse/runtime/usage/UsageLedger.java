package io.statehouse.runtime.usage;

import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.SessionId;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What each tenant's model calls used and cost, by session and day: a read model derived from the
 * sessions' journals, never a second source of truth. Each session records its own figure for a day
 * (everything its calls used that day, UTC) at its status changes and when it recovers, stamped
 * with the sequence number of its latest event, so the highest wins whatever order writes land in.
 */
public interface UsageLedger {

  /** One session's usage on one day, with what it ran: agent and model. */
  record Entry(
      String sessionId,
      String agent,
      String provider,
      String model,
      LocalDate day,
      long modelCalls,
      Usage usage) {}

  /**
   * Records {@code entry} as session {@code id}'s usage on {@code entry.day()} as of event {@code
   * sequenceNr}. Fire and forget: it must not block or throw; failures are retried and logged.
   */
  void record(SessionId id, Entry entry, long sequenceNr);

  /**
   * The usage of {@code tenant}'s sessions from {@code from} to {@code to} (inclusive, UTC days),
   * grouped by {@code by}, in key order.
   */
  CompletionStage<List<UsageGroup>> report(String tenant, LocalDate from, LocalDate to, GroupBy by);

  /** A ledger that records nothing and reports nothing (behaviour tests, benchmarks). */
  UsageLedger NONE =
      new UsageLedger() {
        @Override
        public void record(SessionId id, Entry entry, long sequenceNr) {}

        @Override
        public CompletionStage<List<UsageGroup>> report(
            String tenant, LocalDate from, LocalDate to, GroupBy by) {
          return CompletableFuture.completedFuture(List.of());
        }
      };
}

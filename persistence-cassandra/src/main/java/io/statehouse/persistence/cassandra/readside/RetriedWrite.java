package io.statehouse.persistence.cassandra.readside;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.apache.pekko.Done;

/**
 * A read-side write a session fires and forgets: tried {@code record-attempts} times with a linear
 * {@code record-backoff}, then given up (the session writes it again at its next change or
 * recovery). Never throws; a write that throws counts as a failed attempt.
 */
final class RetriedWrite {
  private RetriedWrite() {}

  /**
   * Runs {@code write} until it succeeds or the attempts run out; then calls {@code gaveUp} with
   * the last error and the attempts made, and fails the returned stage with that error.
   */
  static CompletionStage<Done> run(
      ReadSideSettings settings,
      Supplier<CompletionStage<Done>> write,
      BiConsumer<Throwable, Integer> gaveUp) {
    CompletableFuture<Done> outcome = new CompletableFuture<>();
    attempt(settings, write, gaveUp, 1, outcome);
    return outcome;
  }

  private static void attempt(
      ReadSideSettings settings,
      Supplier<CompletionStage<Done>> write,
      BiConsumer<Throwable, Integer> gaveUp,
      int attempt,
      CompletableFuture<Done> outcome) {
    CompletionStage<Done> written;
    try {
      written = write.get();
    } catch (RuntimeException thrown) {
      written = CompletableFuture.failedFuture(thrown);
    }
    written.whenComplete(
        (done, error) -> {
          if (error == null) {
            outcome.complete(Done.getInstance());
          } else if (attempt < settings.recordAttempts()) {
            CompletableFuture.delayedExecutor(
                    settings.recordBackoff().toMillis() * attempt, TimeUnit.MILLISECONDS)
                .execute(() -> attempt(settings, write, gaveUp, attempt + 1, outcome));
          } else {
            gaveUp.accept(error, attempt);
            outcome.completeExceptionally(error);
          }
        });
  }
}

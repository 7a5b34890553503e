package io.statehouse.api.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Reads a read-side list (sessions, approvals) page by page, each page after the last key of the
 * one before, keeping the rows {@code keep} accepts, until a short page or, after a full one,
 * {@code cap} kept rows: what operators' counts and the kill switch need.
 */
final class Pages {
  static final int SIZE = 1000;

  /**
   * The kept rows (the last page may take them past {@code cap}); {@code capped}: it stopped there.
   */
  record Read<E>(List<E> rows, boolean capped) {}

  private Pages() {}

  /** {@code page} gives the {@value #SIZE} rows after a key (empty: from the start). */
  static <E> CompletionStage<Read<E>> read(
      Function<Optional<String>, CompletionStage<List<E>>> page,
      Function<E, String> key,
      Predicate<E> keep,
      int cap) {
    return next(page, key, keep, cap, Optional.empty(), new ArrayList<>());
  }

  private static <E> CompletionStage<Read<E>> next(
      Function<Optional<String>, CompletionStage<List<E>>> page,
      Function<E, String> key,
      Predicate<E> keep,
      int cap,
      Optional<String> after,
      List<E> rows) {
    return page.apply(after)
        .thenCompose(
            p -> {
              p.stream().filter(keep).forEach(rows::add);
              if (p.size() < SIZE) {
                return CompletableFuture.completedFuture(new Read<>(rows, false));
              }
              if (rows.size() >= cap) {
                return CompletableFuture.completedFuture(new Read<>(rows, true));
              }
              return next(page, key, keep, cap, Optional.of(key.apply(p.get(p.size() - 1))), rows);
            });
  }
}

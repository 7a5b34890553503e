package io.statehouse.runtime.concurrent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;

/**
 * Where {@code CompletableFuture}'s async steps run when no executor is named. The JDK runs them in
 * {@link ForkJoinPool#commonPool()} only when its parallelism is above one; on a machine of one or
 * two cores it is one, and every such step starts a <em>new thread</em> instead. Two libraries on
 * the turn path take that default: Scala's {@code FutureConverters} (each Pekko ask seen from Java:
 * its non-async methods are async), and the JDK {@code HttpClient} (every response). On two cores
 * that was about four thread starts per turn.
 *
 * <p>{@link #useCommonPool()} sets the common pool's parallelism to at least two, before anything
 * has read it: the node's {@code main} calls it first.
 */
public final class AsyncDefaults {
  static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  private AsyncDefaults() {}

  /**
   * Makes the common pool take default async steps, unless a parallelism was set on the command
   * line. Has no effect once {@code CompletableFuture} or the common pool was initialized.
   */
  public static void useCommonPool() {
    if (System.getProperty(PARALLELISM) == null) {
      System.setProperty(
          PARALLELISM, Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors())));
    }
  }

  /** Whether async steps without an executor run in a pool (rather than one new thread each). */
  public static boolean pooled() {
    return new CompletableFuture<Void>().defaultExecutor() instanceof ForkJoinPool;
  }
}

package io.statehouse.runtime.model;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The pauses between a provider's attempts of one model call: full jitter between {@code min} and a
 * ceiling that doubles per attempt up to {@code max}, or what the server asked for, and never one
 * that would end after the call's deadline. One daemon timer thread, started on first need; the
 * provider may schedule its own timers (watchdogs) on it too.
 */
public final class Backoff implements AutoCloseable {
  private final Duration min;
  private final Duration max;
  private final String threadName;
  private volatile ScheduledExecutorService timer;

  public Backoff(Duration min, Duration max, String threadName) {
    this.min = min;
    this.max = max;
    this.threadName = threadName;
  }

  /**
   * A pause before retry number {@code attempt} (1 = the first retry): {@code asked} when the
   * server said how long, full jitter otherwise; null when it would not end before {@code
   * deadlineNanos}. Cancelling the pause drops its timer.
   */
  public CompletableFuture<Void> pause(int attempt, long deadlineNanos, Optional<Duration> asked) {
    long millis;
    if (asked.isPresent()) {
      millis = asked.get().toMillis();
    } else {
      long low = min.toMillis();
      long ceiling = Math.min(max.toMillis(), low * (1L << Math.min(attempt - 1, 20)));
      millis = ThreadLocalRandom.current().nextLong(low, Math.max(low, ceiling) + 1);
    }
    long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    if (millis >= left) {
      return null;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    ScheduledFuture<?> tick =
        timer().schedule(() -> done.complete(null), millis, TimeUnit.MILLISECONDS);
    // an abandoned call cancels its pause: the timer goes with it
    done.whenComplete((v, e) -> tick.cancel(false));
    return done;
  }

  /** What is left of a call's budget at {@code deadlineNanos}, at least a millisecond. */
  public static Duration remaining(long deadlineNanos) {
    return Duration.ofNanos(Math.max(1_000_000, deadlineNanos - System.nanoTime()));
  }

  /** The timer thread, started on first use. */
  public ScheduledExecutorService timer() {
    ScheduledExecutorService t = timer;
    if (t == null) {
      synchronized (this) {
        if (timer == null) {
          ScheduledThreadPoolExecutor e =
              (ScheduledThreadPoolExecutor)
                  Executors.newScheduledThreadPool(
                      1,
                      r -> {
                        Thread thread = new Thread(r, threadName);
                        thread.setDaemon(true);
                        return thread;
                      });
          // cancelled timers (watchdogs of bodies that ended) do not stay queued
          e.setRemoveOnCancelPolicy(true);
          timer = e;
        }
        t = timer;
      }
    }
    return t;
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}

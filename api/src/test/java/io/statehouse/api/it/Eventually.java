package io.statehouse.api.it;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition that becomes true asynchronously. */
public final class Eventually {
  private Eventually() {}

  public static void await(Duration within, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + within + ": " + what);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}

package io.statehouse.runtime;

import java.util.concurrent.CompletionException;

/** What every asynchronous caller needs from a failed stage. */
public final class Futures {
  private Futures() {}

  /** The cause a future failed with, unwrapped from the completion wrappers around it. */
  public static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}

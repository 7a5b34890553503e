package io.statehouse.runtime.policy;

import dev.cel.common.ast.CelExpr;
import dev.cel.common.values.CelByteString;
import dev.cel.runtime.CelEvaluationListener;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The limits of one rule's evaluation: its cost, and what is left of its call's CPU time. CEL calls
 * it after every expression step; past a limit it throws, and keeps throwing at every later step,
 * so the evaluation stops even where CEL would absorb an error (in {@code ||}, {@code &&}, {@code
 * ?:}). The engine asks {@link #exceeded()} after every evaluation, whatever its result, and denies
 * when it is set.
 *
 * <p>A step costs 1 plus 1 per {@link #CHARS_PER_UNIT} characters of a string (or bytes) it
 * produced, so an expression that reads or builds large strings in a loop runs out of budget long
 * before it can fill the heap. Comprehension iterations have their own limit in CEL.
 *
 * <p>Time is the thread's CPU time, not the wall clock: a call must not be denied because the node
 * was busy or paused for garbage collection while its rule ran. Reading it costs about a
 * microsecond, so it is read only every {@link #CLOCK_EVERY} steps (or after a step that produced a
 * long string), and first at the first such point: a short expression never reads it.
 *
 * <p>One instance per evaluation, on one thread.
 */
final class EvaluationBudget implements CelEvaluationListener {
  static final int CHARS_PER_UNIT = 100;

  /** Steps between clock reads. */
  static final int CLOCK_EVERY = 64;

  /** The CPU time of the current thread, or the wall clock where the JVM cannot measure it. */
  static final LongSupplier THREAD_CPU_CLOCK = threadCpuClock();

  private final long maxCost;
  private final long remainingNanos;
  private final String outOfTime;
  private final LongSupplier clock;
  private long cost;
  private long steps;
  private boolean started;
  private long startNanos;
  private String exceeded;

  /**
   * @param remainingNanos CPU time left for the call this rule belongs to
   * @param outOfTime the failure text when that time runs out
   */
  EvaluationBudget(long maxCost, long remainingNanos, String outOfTime, LongSupplier clock) {
    this.maxCost = maxCost;
    this.remainingNanos = remainingNanos;
    this.outOfTime = outOfTime;
    this.clock = clock;
  }

  /** The failure text for a call whose rules used up its CPU time. */
  static String outOfTime(Duration cpuTime) {
    return "the policies of this call used more than " + cpuTime.toMillis() + " ms of CPU time";
  }

  @Override
  public void callback(CelExpr expr, Object evaluatedResult) {
    if (exceeded != null) {
      throw new Exceeded();
    }
    long size = 0;
    if (evaluatedResult instanceof String s) {
      size = s.length();
    } else if (evaluatedResult instanceof CelByteString b) {
      size = b.size();
    }
    cost += 1 + size / CHARS_PER_UNIT;
    if (cost > maxCost) {
      exceeded = "it exceeded the evaluation cost limit of " + maxCost;
      throw new Exceeded();
    }
    if (++steps % CLOCK_EVERY == 0 || size >= (long) CHARS_PER_UNIT * CLOCK_EVERY) {
      if (!started) {
        started = true;
        startNanos = clock.getAsLong();
      } else if (elapsed() > remainingNanos) {
        exceeded = outOfTime;
        throw new Exceeded();
      }
    }
  }

  /** Reads the clock once more when the evaluation ends; no time has been spent unless started. */
  long finish() {
    return started ? elapsed() : 0;
  }

  private long elapsed() {
    return clock.getAsLong() - startNanos;
  }

  /** Why the evaluation was stopped, or null when it stayed within its limits. */
  String exceeded() {
    return exceeded;
  }

  private static LongSupplier threadCpuClock() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    return threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled()
        ? threads::getCurrentThreadCpuTime
        : System::nanoTime;
  }

  /** Thrown through CEL to stop an evaluation; no stack trace, nothing from the input. */
  private static final class Exceeded extends RuntimeException {
    Exceeded() {
      super("policy evaluation budget exceeded", null, false, false);
    }
  }
}

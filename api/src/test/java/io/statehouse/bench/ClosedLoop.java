package io.statehouse.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.IntFunction;

/**
 * N clients, each doing one operation after the other for a while: what the turn and team
 * benchmarks drive. Only operations that start after the warm-up and end before the end are
 * counted; the CPU time of the node's JVM and of Cassandra is sampled over the same window.
 */
final class ClosedLoop {
  private ClosedLoop() {}

  /**
   * What the counted operations gave, their latencies (ns, in the same order), the failures of all
   * operations by message, and the CPU time over the window.
   */
  record Result<T>(
      List<T> values,
      List<Long> latencies,
      int errors,
      Map<String, Integer> failures,
      double seconds,
      double nodeCpuMs,
      double cassandraCpuMs,
      double[] othersCpuMs) {}

  /**
   * Runs {@code clients} clients; client {@code i} repeats {@code operation.apply(i)}, which
   * returns what to keep of a done operation or throws when it failed.
   */
  static <T> Result<T> run(
      int clients,
      IntFunction<Callable<T>> operation,
      Duration warmup,
      Duration measure,
      long cassandraPid)
      throws InterruptedException {
    return run(clients, operation, warmup, measure, cassandraPid, new long[0], Window.NONE);
  }

  /** Something read at the start and at the end of the measured window, by the sampling thread. */
  interface Window {
    Window NONE =
        new Window() {
          @Override
          public void start() {}

          @Override
          public void stop() {}
        };

    void start();

    void stop();

    /** {@code first} and {@code second}, started in that order and stopped in the reverse. */
    static Window both(Window first, Window second) {
      return new Window() {
        @Override
        public void start() {
          first.start();
          second.start();
        }

        @Override
        public void stop() {
          second.stop();
          first.stop();
        }
      };
    }
  }

  /**
   * As above, also sampling the CPU time of the processes {@code otherPids} and {@code window} over
   * the window.
   */
  static <T> Result<T> run(
      int clients,
      IntFunction<Callable<T>> operation,
      Duration warmup,
      Duration measure,
      long cassandraPid,
      long[] otherPids,
      Window window)
      throws InterruptedException {
    List<T> values = Collections.synchronizedList(new ArrayList<>());
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    Map<String, Integer> failures = new ConcurrentHashMap<>();
    long start = System.nanoTime();
    long measureFrom = start + warmup.toNanos();
    long end = measureFrom + measure.toNanos();
    CountDownLatch done = new CountDownLatch(clients);
    CpuTimes cpu = new CpuTimes(cassandraPid, otherPids);
    Thread sampler =
        new Thread(
            () -> {
              sleepUntil(measureFrom);
              cpu.start();
              window.start();
              sleepUntil(end);
              cpu.stop();
              window.stop();
            },
            "bench-cpu");
    sampler.start();
    for (int c = 0; c < clients; c++) {
      Callable<T> op = operation.apply(c);
      Thread t =
          new Thread(
              () -> {
                try {
                  while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    try {
                      T value = op.call();
                      long t1 = System.nanoTime();
                      if (t0 >= measureFrom && t1 <= end) {
                        synchronized (latencies) {
                          values.add(value);
                          latencies.add(t1 - t0);
                        }
                      }
                    } catch (Exception | AssertionError e) {
                      failures.merge(abbreviate(String.valueOf(e.getMessage())), 1, Integer::sum);
                    }
                  }
                } finally {
                  done.countDown();
                }
              },
              "bench-client-" + c);
      t.start();
    }
    done.await();
    sampler.join();
    return new Result<>(
        List.copyOf(values),
        List.copyOf(latencies),
        failures.values().stream().mapToInt(Integer::intValue).sum(),
        Map.copyOf(failures),
        measure.toMillis() / 1000.0,
        cpu.nodeMs(),
        cpu.cassandraMs(),
        cpu.othersMs());
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "…";
  }

  private static void sleepUntil(long nanoTime) {
    long wait = nanoTime - System.nanoTime();
    if (wait > 0) {
      try {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

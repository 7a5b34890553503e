package io.statehouse.bench;

import io.statehouse.api.it.Api;
import io.statehouse.api.it.ItKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * N sessions, each running turns back to back over HTTP for a while, so their histories grow. A
 * turn is: the scripted model asks for one HTTP tool call, the tool answers at once, the model
 * answers with text. Only turns that start after the warm-up are counted.
 */
final class TurnLoad {
  /** {@code nodeCpuMs} and {@code cassandraCpuMs}: CPU time per counted turn of each process. */
  record Result(
      int sessions,
      int turns,
      double seconds,
      Stats latency,
      int errors,
      double nodeCpuMs,
      double cassandraCpuMs) {
    double turnsPerSecond() {
      return turns / seconds;
    }
  }

  static Result run(
      Api api, String agent, int sessions, Duration warmup, Duration measure, long cassandraPid)
      throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < sessions; i++) {
      ids.add(api.openSession(ItKeys.ACME_ALICE, agent));
    }
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger errors = new AtomicInteger();
    long start = System.nanoTime();
    long measureFrom = start + warmup.toNanos();
    long end = measureFrom + measure.toNanos();
    CountDownLatch done = new CountDownLatch(sessions);
    CpuTimes cpu = new CpuTimes(cassandraPid);
    Thread sampler =
        new Thread(
            () -> {
              sleepUntil(measureFrom);
              cpu.start();
              sleepUntil(end);
              cpu.stop();
            },
            "bench-cpu");
    sampler.start();
    for (String id : ids) {
      Thread t =
          new Thread(
              () -> {
                try {
                  int n = 0;
                  while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    Api.Response r =
                        api.post(
                            "/v1/sessions/" + id + "/messages?wait=60",
                            ItKeys.ACME_ALICE,
                            "{\"content\":\"turn " + n++ + "\"}");
                    long t1 = System.nanoTime();
                    if (r.status() != 200 || !"completed".equals(r.text("status"))) {
                      errors.incrementAndGet();
                    } else if (t0 >= measureFrom && t1 <= end) {
                      latencies.add(t1 - t0);
                    }
                  }
                } finally {
                  done.countDown();
                }
              },
              "bench-" + id);
      t.start();
    }
    done.await();
    sampler.join();
    int turns = latencies.size();
    return new Result(
        sessions,
        turns,
        measure.toMillis() / 1000.0,
        new Stats(latencies),
        errors.get(),
        cpu.nodeMs() / Math.max(1, turns),
        cpu.cassandraMs() / Math.max(1, turns));
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

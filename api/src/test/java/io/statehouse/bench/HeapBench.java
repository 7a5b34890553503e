package io.statehouse.bench;

import io.statehouse.api.it.Api;
import io.statehouse.api.it.ItKeys;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Heap per idle session held in memory: heap after a full GC with {@code count} sessions alive
 * (each opened and one turn done, so it holds a real conversation), minus heap before, per session.
 */
final class HeapBench {
  record Result(int sessions, double bytesPerSession) {}

  static Result run(Api api, String agent, int count) throws Exception {
    long before = settledHeap();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Future<?>> work = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      work.add(
          pool.submit(
              () -> {
                String id = api.openSession(ItKeys.ACME_ALICE, agent);
                Api.Response r =
                    api.post(
                        "/v1/sessions/" + id + "/messages",
                        ItKeys.ACME_ALICE,
                        "{\"content\":\"hello there\"}");
                if (r.status() != 200) {
                  throw new IllegalStateException(r.raw());
                }
                return null;
              }));
    }
    for (Future<?> f : work) {
      f.get();
    }
    pool.shutdown();
    long after = settledHeap();
    return new Result(count, (after - before) / (double) count);
  }

  private static long settledHeap() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(500);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}

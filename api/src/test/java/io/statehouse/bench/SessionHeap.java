package io.statehouse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.api.it.Api;
import io.statehouse.api.it.ItKeys;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What sessions cost the heap of a node in its own process ({@code isolated=only}): read from the
 * node's JVM with jcmd after full GCs, so that nothing of the harness is counted.
 *
 * <ul>
 *   <li>{@code sessionHeap=N}: N sessions, each opened and given one turn, held in memory (the node
 *       passivates after 30 minutes): heap per session and the classes that grew most.
 *   <li>{@code passivated=N}: N sessions opened, then passivated by the node (after {@code
 *       passivateAfter}); the heap before and after, once the node reports no live session.
 * </ul>
 */
final class SessionHeap {
  private static final int CLIENTS = 32;

  private SessionHeap() {}

  /** {@code count} sessions of one turn each held in memory by the node {@code nodePid}. */
  static List<String> inMemory(Api api, String agent, long nodePid, int count) throws Exception {
    open(api, agent, 200, true); // class loading and caches, before the first reading
    long before = ProcessProbe.heapAfterGc(nodePid, 3);
    Map<String, long[]> classesBefore = ProcessProbe.histogram(nodePid);
    long started = System.nanoTime();
    open(api, agent, count, true);
    double seconds = (System.nanoTime() - started) / 1e9;
    long after = ProcessProbe.heapAfterGc(nodePid, 3);
    Map<String, long[]> classesAfter = ProcessProbe.histogram(nodePid);
    int live = liveSessions(api);
    return List.of(
        String.format(
            "%d sessions of one turn each, in memory (%d live on the node): heap after GC %.1f ->"
                + " %.1f MiB, %.2f KiB per session, %.0f sessions per GB (opened and run in %.0f s)",
            count,
            live,
            before / 1048576.0,
            after / 1048576.0,
            (after - before) / 1024.0 / count,
            count / ((after - before) / 1e9),
            seconds),
        "grew most, per session: " + ProcessProbe.growth(classesBefore, classesAfter, count, 12));
  }

  /**
   * {@code count} sessions opened (no turn: a turn's events would only slow the opening down; the
   * session's actor is started and persists its first event either way), in two halves, each left
   * until the node {@code nodePid} reports none of them live. The heap is read before, after the
   * first half and after the second: what a passivated session leaves behind shows in either half,
   * and a bounded cache fills in the first and stays flat in the second.
   */
  static List<String> passivated(
      Api api, String agent, long nodePid, int count, Duration passivateAfter) throws Exception {
    open(api, agent, 1000, false);
    awaitPassivated(api, passivateAfter);
    long before = ProcessProbe.heapAfterGc(nodePid, 3);
    Map<String, long[]> classesBefore = ProcessProbe.histogram(nodePid);
    List<String> out = new ArrayList<>();
    long[] heap = {before, 0, 0};
    Map<String, long[]> classes = classesBefore;
    for (int half = 1; half <= 2; half++) {
      int n = half == 1 ? count / 2 : count - count / 2;
      long started = System.nanoTime();
      open(api, agent, n, false);
      double seconds = (System.nanoTime() - started) / 1e9;
      Duration waited = awaitPassivated(api, passivateAfter);
      heap[half] = ProcessProbe.heapAfterGc(nodePid, 3);
      Map<String, long[]> now = ProcessProbe.histogram(nodePid);
      out.add(
          String.format(
              "%s %d sessions opened in %.0f s (%.0f/s), all passivated %.0f s later: heap after GC"
                  + " %.1f -> %.1f MiB (%+.1f MiB, %+.1f bytes per session)",
              half == 1 ? "first" : "second",
              n,
              seconds,
              n / seconds,
              waited.toMillis() / 1000.0,
              heap[half - 1] / 1048576.0,
              heap[half] / 1048576.0,
              (heap[half] - heap[half - 1]) / 1048576.0,
              (heap[half] - heap[half - 1]) / (double) n));
      out.add("   grew most in that half: " + growthTotal(classes, now));
      classes = now;
    }
    return out;
  }

  private static String growthTotal(Map<String, long[]> before, Map<String, long[]> after) {
    return ProcessProbe.growth(before, after, 1, 8);
  }

  /**
   * Opens {@code count} sessions from {@link #CLIENTS} threads, each with one turn if asked;
   * returns their ids.
   */
  static List<String> open(Api api, String agent, int count, boolean turn) throws Exception {
    List<String> ids = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    List<Future<?>> work = new ArrayList<>();
    for (int t = 0; t < CLIENTS; t++) {
      work.add(
          pool.submit(
              () -> {
                while (next.getAndIncrement() < count) {
                  String id = api.openSession(ItKeys.ACME_ALICE, agent);
                  ids.add(id);
                  if (turn) {
                    Api.Response r =
                        api.post(
                            "/v1/sessions/" + id + "/messages?wait=60",
                            ItKeys.ACME_ALICE,
                            "{\"content\":\"hello there\"}");
                    if (!"completed".equals(r.text("status"))) {
                      throw new IllegalStateException(r.status() + " " + r.raw());
                    }
                  }
                  int n = done.incrementAndGet();
                  if (n % 100_000 == 0) {
                    System.out.println("[batch]    " + n + " sessions opened");
                  }
                }
                return null;
              }));
    }
    try {
      for (Future<?> f : work) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return new ArrayList<>(ids);
  }

  /** Waits until the node holds no session in memory; how long that took. */
  private static Duration awaitPassivated(Api api, Duration passivateAfter)
      throws InterruptedException, IOException {
    long started = System.nanoTime();
    long deadline = started + passivateAfter.multipliedBy(4).plusMinutes(5).toNanos();
    int live = -1;
    while (System.nanoTime() < deadline) {
      live = liveSessions(api);
      if (live == 0) {
        return Duration.ofNanos(System.nanoTime() - started);
      }
      Thread.sleep(1000);
    }
    throw new IOException("the node still holds " + live + " sessions in memory");
  }

  /** The live session entities of the (one) node, as its operators' cluster view reports them. */
  private static int liveSessions(Api api) {
    Api.Response r = api.get("/v1/ops/cluster", ItKeys.ACME_OLGA);
    JsonNode sessions = r.body().path("members").path(0).path("sessions");
    if (r.status() != 200 || !sessions.isNumber()) {
      throw new IllegalStateException("GET /v1/ops/cluster: " + r.status() + " " + r.raw());
    }
    return sessions.asInt();
  }
}

package io.statehouse.bench;

import io.statehouse.api.it.Api;
import io.statehouse.api.it.ItKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * {@code soak=<minutes>} ({@code isolated=only}): many sessions ({@code soakSessions}, 10,000)
 * share a fixed rate of turns ({@code soakShare} of the peak, 0.8) for a long time, open loop: a
 * turn is sent when its time comes, whether or not earlier ones have answered, and its latency is
 * counted from that time, so a stall shows as latency rather than as fewer turns. Sessions take
 * turns round robin; one whose previous turn has not ended is passed over and counted as skipped.
 * Every minute prints the turns, p50 and p99 of that minute; every {@code soakHeapEvery} minutes
 * (5) the node's heap after a full GC (jcmd), read on a thread of its own so the turns keep their
 * schedule, and the minute that full GC falls in is marked: it stops the node for a few hundred ms.
 * The end compares the first and the last readings, and the p99s of the minutes with and without a
 * forced GC.
 */
final class Soak {
  private Soak() {}

  /** One minute's turns: their latencies (ns, from the time each was due), errors, skips. */
  record Minute(int index, List<Long> samples, int errors, int skipped, Stats latency) {
    int turns() {
      return samples.size();
    }
  }

  static List<String> run(
      Api api,
      String baseUrl,
      String agent,
      long nodePid,
      int sessions,
      double rate,
      Duration length,
      int heapEveryMinutes,
      Consumer<String> progress)
      throws Exception {
    List<String> ids = SessionHeap.open(api, agent, sessions, false);
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(Executors.newFixedThreadPool(4))
            .build();
    AtomicBoolean[] busy = new AtomicBoolean[sessions];
    AtomicInteger[] counter = new AtomicInteger[sessions];
    for (int i = 0; i < sessions; i++) {
      busy[i] = new AtomicBoolean();
      counter[i] = new AtomicInteger();
    }
    List<Long> current = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger errors = new AtomicInteger();
    Map<String, Integer> kinds = new ConcurrentHashMap<>();
    AtomicInteger skipped = new AtomicInteger();
    AtomicLong inFlight = new AtomicLong();
    List<Minute> minutes = new ArrayList<>();
    List<long[]> heaps = Collections.synchronizedList(new ArrayList<>()); // {minute, bytes}
    heaps.add(new long[] {0, ProcessProbe.heapAfterGc(nodePid, 2)});
    // the readings between start and end force a full GC of the node (jcmd): on a thread of their
    // own, so the load keeps its schedule, and the minutes they fall in are named
    ExecutorService heapReader =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "soak-heap-reader");
              t.setDaemon(true);
              return t;
            });
    Set<Integer> forcedGc = ConcurrentHashMap.newKeySet();
    progress.accept(
        String.format(
            "soak: %d sessions, %.1f turns/s for %d min; heap after GC at the start %.1f MiB",
            sessions, rate, length.toMinutes(), heaps.get(0)[1] / 1048576.0));

    long intervalNanos = (long) (1e9 / rate);
    long start = System.nanoTime();
    long end = start + length.toNanos();
    long nextMinute = start + Duration.ofMinutes(1).toNanos();
    long due = start;
    int next = 0;
    while (due < end) {
      long now = System.nanoTime();
      if (now < due) {
        LockSupport.parkNanos(due - now);
        continue;
      }
      if (now >= nextMinute) {
        Minute m = closeMinute(minutes.size() + 1, current, errors, skipped);
        minutes.add(m);
        progress.accept(minuteLine(m, inFlight.get(), forcedGc));
        nextMinute += Duration.ofMinutes(1).toNanos();
        if (heapEveryMinutes > 0
            && m.index() % heapEveryMinutes == 0
            && m.index() < length.toMinutes()) {
          forcedGc.add(m.index() + 1);
          heapReader.execute(
              () -> {
                try {
                  long heap = ProcessProbe.heapAfterGc(nodePid, 1);
                  heaps.add(new long[] {m.index(), heap});
                  progress.accept(
                      String.format(
                          "   heap after GC at minute %d: %.1f MiB", m.index(), heap / 1048576.0));
                } catch (Exception e) {
                  progress.accept("   heap after GC at minute " + m.index() + ": " + e);
                }
              });
        }
      }
      int i = next;
      next = (next + 1) % sessions;
      long scheduled = due;
      due += intervalNanos;
      if (!busy[i].compareAndSet(false, true)) {
        skipped.incrementAndGet();
        continue;
      }
      inFlight.incrementAndGet();
      HttpRequest request =
          HttpRequest.newBuilder(
                  URI.create(baseUrl + "/v1/sessions/" + ids.get(i) + "/messages?wait=60"))
              .timeout(Duration.ofSeconds(90))
              .header("Authorization", "Bearer " + ItKeys.ACME_ALICE)
              .header("Content-Type", "application/json")
              .POST(
                  HttpRequest.BodyPublishers.ofString(
                      "{\"content\":\"turn " + counter[i].getAndIncrement() + "\"}"))
              .build();
      client
          .sendAsync(request, HttpResponse.BodyHandlers.ofString())
          .whenComplete(
              (r, failure) -> {
                long took = System.nanoTime() - scheduled;
                if (failure == null
                    && r.statusCode() == 200
                    && r.body().contains("\"status\":\"completed\"")) {
                  current.add(took);
                } else {
                  errors.incrementAndGet();
                  kinds.merge(errorKind(r, failure), 1, Integer::sum);
                }
                inFlight.decrementAndGet();
                busy[i].set(false);
              });
    }
    heapReader.shutdown();
    heapReader.awaitTermination(2, TimeUnit.MINUTES);
    long drainUntil = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < drainUntil) {
      Thread.sleep(100);
    }
    Minute rest = closeMinute(minutes.size() + 1, current, errors, skipped);
    if (minutes.size() < length.toMinutes()) {
      minutes.add(rest); // the loop ended before it closed its last minute
      progress.accept(minuteLine(rest, inFlight.get(), forcedGc));
    } else if (rest.turns() > 0 || rest.errors() > 0) {
      // turns sent in the last minute that answered after it closed count for it
      Minute last = minutes.remove(minutes.size() - 1);
      List<Long> samples = new ArrayList<>(last.samples());
      samples.addAll(rest.samples());
      minutes.add(
          new Minute(
              last.index(),
              samples,
              last.errors() + rest.errors(),
              last.skipped() + rest.skipped(),
              new Stats(samples)));
      progress.accept("   (the last minute with the turns that answered after it closed)");
      progress.accept(minuteLine(minutes.get(minutes.size() - 1), inFlight.get(), forcedGc));
    }
    heaps.add(new long[] {minutes.size(), ProcessProbe.heapAfterGc(nodePid, 2)});
    List<String> out = summary(minutes, heaps, rate, sessions, forcedGc);
    if (!kinds.isEmpty()) {
      out.add("failed turns by what the client got: " + new TreeMap<>(kinds));
    }
    return out;
  }

  /** What a failed turn's client got: the HTTP status and error code, or the exception. */
  private static String errorKind(HttpResponse<String> r, Throwable failure) {
    if (failure != null) {
      Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
      return cause.getClass().getSimpleName();
    }
    String body = r.body();
    int code = body.indexOf("\"code\":\"");
    if (code >= 0) {
      int from = code + 8;
      int to = body.indexOf('"', from);
      return r.statusCode() + " " + (to > from ? body.substring(from, to) : "?");
    }
    int status = body.indexOf("\"status\":\"");
    if (status >= 0) {
      int from = status + 10;
      int to = body.indexOf('"', from);
      return r.statusCode() + " status " + (to > from ? body.substring(from, to) : "?");
    }
    return String.valueOf(r.statusCode());
  }

  private static Minute closeMinute(
      int index, List<Long> current, AtomicInteger errors, AtomicInteger skipped) {
    List<Long> taken;
    synchronized (current) {
      taken = new ArrayList<>(current);
      current.clear();
    }
    return new Minute(index, taken, errors.getAndSet(0), skipped.getAndSet(0), new Stats(taken));
  }

  private static String minuteLine(Minute m, long inFlight, Set<Integer> forcedGc) {
    return String.format(
        "   minute %2d: %6d turns (%.1f/s)  p50 %7.2f ms  p99 %8.2f ms  errors %d  skipped %d"
            + "  in flight %d%s",
        m.index(),
        m.turns(),
        m.turns() / 60.0,
        m.latency().percentileMs(50),
        m.latency().percentileMs(99),
        m.errors(),
        m.skipped(),
        inFlight,
        forcedGc.contains(m.index()) ? "  (the heap reading's full GC)" : "");
  }

  /** The first five minutes against the last five: turns, p99, and the heap readings. */
  private static List<String> summary(
      List<Minute> minutes, List<long[]> heaps, double rate, int sessions, Set<Integer> forcedGc) {
    int span = Math.max(1, Math.min(5, minutes.size() / 3));
    List<Minute> first = minutes.subList(0, Math.min(span, minutes.size()));
    List<Minute> last = minutes.subList(Math.max(0, minutes.size() - span), minutes.size());
    List<String> out = new ArrayList<>();
    int turns = minutes.stream().mapToInt(Minute::turns).sum();
    int errors = minutes.stream().mapToInt(Minute::errors).sum();
    int skipped = minutes.stream().mapToInt(Minute::skipped).sum();
    out.add(
        String.format(
            "soak of %d sessions at %.1f turns/s asked: %d turns in %d minutes (%.1f/s), %d errors,"
                + " %d skipped (session still busy)",
            sessions,
            rate,
            turns,
            minutes.size(),
            turns / (60.0 * minutes.size()),
            errors,
            skipped));
    out.add(
        String.format(
            "p99 over minutes 1-%d: %.2f ms (p50 %.2f); over the last %d: %.2f ms (p50 %.2f);"
                + " worst minute's p99 %.2f ms",
            first.size(),
            p(first, 99),
            p(first, 50),
            last.size(),
            p(last, 99),
            p(last, 50),
            minutes.stream().mapToDouble(m -> m.latency().percentileMs(99)).max().orElse(0)));
    out.add(
        String.format(
            "p99 per minute: %s in the %d minutes without a forced full GC; %s in the %d with one",
            range(minutes.stream().filter(m -> !forcedGc.contains(m.index())).toList()),
            minutes.stream().filter(m -> !forcedGc.contains(m.index())).count(),
            range(minutes.stream().filter(m -> forcedGc.contains(m.index())).toList()),
            minutes.stream().filter(m -> forcedGc.contains(m.index())).count()));
    StringBuilder h = new StringBuilder("node heap after GC (minute: MiB):");
    List<long[]> readings = new ArrayList<>(heaps);
    readings.sort(java.util.Comparator.comparingLong(r -> r[0]));
    for (long[] reading : readings) {
      h.append(String.format(" %d: %.1f", reading[0], reading[1] / 1048576.0));
    }
    out.add(h.toString());
    return out;
  }

  /** The lowest and highest of {@code minutes}' p99s, "-" when there are none. */
  private static String range(List<Minute> minutes) {
    return minutes.isEmpty()
        ? "-"
        : String.format(
            "%.0f to %.0f ms",
            minutes.stream().mapToDouble(m -> m.latency().percentileMs(99)).min().orElse(0),
            minutes.stream().mapToDouble(m -> m.latency().percentileMs(99)).max().orElse(0));
  }

  /** The percentile over all the turns of {@code minutes}. */
  private static double p(List<Minute> minutes, double percentile) {
    List<Long> all = new ArrayList<>();
    minutes.forEach(m -> all.addAll(m.samples()));
    return new Stats(all).percentileMs(percentile);
  }
}

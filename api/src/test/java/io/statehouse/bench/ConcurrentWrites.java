package io.statehouse.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What Cassandra itself spends on a plain write when many are in flight, as the journal's are under
 * load: {@code concurrency} writers, each writing to its own partition one write after the other
 * (asynchronously, no thread per writer), for {@code duration}. The floor under a turn's Cassandra
 * CPU: a turn makes four such writes.
 */
final class ConcurrentWrites {
  private ConcurrentWrites() {}

  record Result(int concurrency, long writes, double seconds, double cassandraCpuMsPerWrite) {
    double writesPerSecond() {
      return writes / seconds;
    }
  }

  static Result run(
      CqlSession cql, int bytes, int concurrency, Duration duration, long cassandraPid)
      throws InterruptedException {
    PlainWrites.createTable(cql);
    PreparedStatement insert =
        cql.prepare("INSERT INTO bench_plain.writes (pid, seq, event) VALUES (?, ?, ?)");
    ByteBuffer payload = ByteBuffer.wrap(new byte[bytes]);
    AtomicLong writes = new AtomicLong();
    long end = System.nanoTime() + duration.toNanos();
    CountDownLatch done = new CountDownLatch(concurrency);
    String run = "concurrent-" + System.nanoTime() + "-";
    long ticks0 = CpuTimes.ticks(cassandraPid);
    long t0 = System.nanoTime();
    for (int w = 0; w < concurrency; w++) {
      String pid = run + w;
      next(cql, insert, pid, 0, payload, end, writes, done);
    }
    done.await();
    double seconds = (System.nanoTime() - t0) / 1e9;
    long ticks = CpuTimes.ticks(cassandraPid) - ticks0;
    return new Result(
        concurrency,
        writes.get(),
        seconds,
        ticks * CpuTimes.CLOCK_TICK_MS / Math.max(1, writes.get()));
  }

  private static void next(
      CqlSession cql,
      PreparedStatement insert,
      String pid,
      long seq,
      ByteBuffer payload,
      long end,
      AtomicLong writes,
      CountDownLatch done) {
    if (System.nanoTime() >= end) {
      done.countDown();
      return;
    }
    cql.executeAsync(insert.bind(pid, seq, payload.duplicate()))
        .whenComplete(
            (ok, failure) -> {
              if (failure == null) {
                writes.incrementAndGet();
              }
              next(cql, insert, pid, seq + 1, payload, end, writes, done);
            });
  }
}

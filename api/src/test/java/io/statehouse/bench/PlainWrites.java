package io.statehouse.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Plain sequential writes through the driver, the size of a journal write, as the baseline. */
final class PlainWrites {
  private PlainWrites() {}

  /** Average bytes of the serialized events of one persistence id, and how many events it has. */
  static double averageEventBytes(CqlSession cql, String journalKeyspace, String persistenceId) {
    List<Row> rows =
        cql.execute(
                "SELECT event FROM "
                    + journalKeyspace
                    + ".messages WHERE persistence_id = ? AND partition_nr = 0",
                persistenceId)
            .all();
    return rows.stream().mapToInt(r -> r.getByteBuffer("event").remaining()).average().orElse(0);
  }

  /** The table the plain writes go to. */
  static void createTable(CqlSession cql) {
    cql.execute(
        "CREATE KEYSPACE IF NOT EXISTS bench_plain WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    cql.execute(
        "CREATE TABLE IF NOT EXISTS bench_plain.writes (pid text, seq bigint, event blob, PRIMARY KEY ((pid), seq))");
  }

  static Stats run(
      CqlSession cql, int payloadBytes, int warmup, int count, boolean lightweightTransaction) {
    createTable(cql);
    PreparedStatement insert =
        cql.prepare(
            "INSERT INTO bench_plain.writes (pid, seq, event) VALUES (?, ?, ?)"
                + (lightweightTransaction ? " IF NOT EXISTS" : ""));
    ByteBuffer payload = ByteBuffer.wrap(new byte[payloadBytes]);
    String pid = "plain-" + System.nanoTime() + (lightweightTransaction ? "-lwt" : "");
    List<Long> samples = new ArrayList<>();
    for (int i = 0; i < warmup + count; i++) {
      long t0 = System.nanoTime();
      cql.execute(insert.bind(pid, (long) i, payload.duplicate()));
      if (i >= warmup) {
        samples.add(System.nanoTime() - t0);
      }
    }
    return new Stats(samples);
  }
}

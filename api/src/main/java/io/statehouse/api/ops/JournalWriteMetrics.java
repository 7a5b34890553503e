package io.statehouse.api.ops;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.statehouse.persistence.cassandra.journal.JournalWriteCoalescer;

/**
 * How the journal's writes went to Cassandra: writes per request is how much the coalescer combined
 * (docs/operations.md, "Metrics").
 */
public final class JournalWriteMetrics {
  private JournalWriteMetrics() {}

  public static void register(PrometheusRegistry registry, JournalWriteCoalescer coalescer) {
    CounterWithCallback.builder()
        .name("statehouse_journal_writes_total")
        .help("journal writes (one persist of one session each) sent to Cassandra")
        .callback(cb -> cb.call(coalescer.writes()))
        .register(registry);
    CounterWithCallback.builder()
        .name("statehouse_journal_write_requests_total")
        .help("Cassandra requests that carried them (several writes share one under load)")
        .callback(cb -> cb.call(coalescer.requests()))
        .register(registry);
  }
}

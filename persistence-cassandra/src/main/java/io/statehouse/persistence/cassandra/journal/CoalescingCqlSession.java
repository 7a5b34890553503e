package io.statehouse.persistence.cassandra.journal;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The journal's driver session: the driver's own, except that asynchronous journal writes go
 * through a {@link JournalWriteCoalescer}. Every other request (reads, replays, snapshots, schema,
 * synchronous calls) goes to the driver unchanged.
 */
public final class CoalescingCqlSession extends ForwardingCqlSession {
  private final JournalWriteCoalescer coalescer;

  public CoalescingCqlSession(CqlSession driver, JournalWriteCoalescer coalescer) {
    super(driver);
    this.coalescer = coalescer;
  }

  /** What the coalescer has sent: requests and the writes they carried. */
  public JournalWriteCoalescer coalescer() {
    return coalescer;
  }

  @Override
  protected CompletionStage<AsyncResultSet> executeStatement(Statement<?> statement) {
    List<BatchableStatement<?>> rows = coalescer.journalRows(statement);
    return rows == null
        ? driver.execute(statement, Statement.ASYNC)
        : coalescer.submit(statement, rows);
  }
}

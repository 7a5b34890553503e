package io.statehouse.persistence.cassandra.journal;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.context.DriverContext;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.api.core.metadata.Metadata;
import com.datastax.oss.driver.api.core.metrics.Metrics;
import com.datastax.oss.driver.api.core.session.Request;
import com.datastax.oss.driver.api.core.type.reflect.GenericType;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The journal's driver session: the driver's own, except that asynchronous journal writes go
 * through a {@link JournalWriteCoalescer}. Every other request (reads, replays, snapshots, schema,
 * synchronous calls) goes to the driver unchanged. The driver's {@code CqlSession} funnels every
 * call into {@link #execute(Request, GenericType)}, so that is the one method that decides.
 */
public final class CoalescingCqlSession implements CqlSession {

  private final CqlSession driver;
  private final JournalWriteCoalescer coalescer;

  public CoalescingCqlSession(CqlSession driver, JournalWriteCoalescer coalescer) {
    this.driver = driver;
    this.coalescer = coalescer;
  }

  /** What the coalescer has sent: requests and the writes they carried. */
  public JournalWriteCoalescer coalescer() {
    return coalescer;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <RequestT extends Request, ResultT> ResultT execute(
      RequestT request, GenericType<ResultT> resultType) {
    if (request instanceof Statement<?> statement && Statement.ASYNC.equals(resultType)) {
      List<BatchableStatement<?>> rows = coalescer.journalRows(statement);
      if (rows != null) {
        return (ResultT) coalescer.submit(statement, rows);
      }
    }
    return driver.execute(request, resultType);
  }

  @Override
  public String getName() {
    return driver.getName();
  }

  @Override
  public Metadata getMetadata() {
    return driver.getMetadata();
  }

  @Override
  public boolean isSchemaMetadataEnabled() {
    return driver.isSchemaMetadataEnabled();
  }

  @Override
  public CompletionStage<Metadata> setSchemaMetadataEnabled(Boolean newValue) {
    return driver.setSchemaMetadataEnabled(newValue);
  }

  @Override
  public CompletionStage<Metadata> refreshSchemaAsync() {
    return driver.refreshSchemaAsync();
  }

  @Override
  public CompletionStage<Boolean> checkSchemaAgreementAsync() {
    return driver.checkSchemaAgreementAsync();
  }

  @Override
  public DriverContext getContext() {
    return driver.getContext();
  }

  @Override
  public Optional<CqlIdentifier> getKeyspace() {
    return driver.getKeyspace();
  }

  @Override
  public Optional<Metrics> getMetrics() {
    return driver.getMetrics();
  }

  @Override
  public CompletionStage<Void> closeFuture() {
    return driver.closeFuture();
  }

  @Override
  public CompletionStage<Void> closeAsync() {
    return driver.closeAsync();
  }

  @Override
  public CompletionStage<Void> forceCloseAsync() {
    return driver.forceCloseAsync();
  }
}

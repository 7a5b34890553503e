package io.statehouse.persistence.cassandra.journal;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.context.DriverContext;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.api.core.metadata.Metadata;
import com.datastax.oss.driver.api.core.metrics.Metrics;
import com.datastax.oss.driver.api.core.session.Request;
import com.datastax.oss.driver.api.core.type.reflect.GenericType;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A driver session that passes every asynchronous statement to {@link #executeStatement}, which a
 * subclass overrides, and every other request to the driver's own session. The driver's {@code
 * CqlSession} funnels every call (sync, async, prepare, reactive) into {@link #execute(Request,
 * GenericType)}, so that is the one method that decides.
 */
public abstract class ForwardingCqlSession implements CqlSession {
  protected final CqlSession driver;

  protected ForwardingCqlSession(CqlSession driver) {
    this.driver = driver;
  }

  /** An asynchronous statement: by default the driver's. */
  protected CompletionStage<AsyncResultSet> executeStatement(Statement<?> statement) {
    return driver.execute(statement, Statement.ASYNC);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <RequestT extends Request, ResultT> ResultT execute(
      RequestT request, GenericType<ResultT> resultType) {
    if (request instanceof Statement<?> statement && Statement.ASYNC.equals(resultType)) {
      return (ResultT) executeStatement(statement);
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

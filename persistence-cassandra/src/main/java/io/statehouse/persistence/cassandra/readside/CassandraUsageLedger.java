package io.statehouse.persistence.cassandra.readside;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.usage.GroupBy;
import io.statehouse.runtime.usage.UsageGroup;
import io.statehouse.runtime.usage.UsageLedger;
import io.statehouse.runtime.usage.UsageReport;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The usage ledger in {@code usage_by_day}: one partition per tenant and UTC day, one row per
 * session that called a model that day.
 *
 * <p>A session writes its own rows, with the write timestamp set to the sequence number of its
 * latest event ({@code USING TIMESTAMP}), as the session list does: a late or repeated write never
 * overwrites a newer figure. A report reads one partition per day of its range, streaming the rows
 * into one sum per group, so it holds one row per group whatever the number of sessions.
 */
public final class CassandraUsageLedger implements UsageLedger {
  private static final Logger log = LoggerFactory.getLogger(CassandraUsageLedger.class);
  private static final int PAGE = 1000;

  private final CassandraSession session;
  private final ReadSideSettings settings;
  private final ClassicActorSystemProvider system;
  private final String table;

  public CassandraUsageLedger(
      CassandraSession session, ReadSideSettings settings, ClassicActorSystemProvider system) {
    this.session = session;
    this.settings = settings;
    this.system = system;
    this.table = settings.keyspace() + ".usage_by_day";
  }

  @Override
  public void record(SessionId id, Entry e, long sequenceNr) {
    Usage u = e.usage();
    RetriedWrite.run(
        settings,
        () ->
            session.executeWrite(
                "UPDATE "
                    + table
                    + " USING TIMESTAMP ? SET agent = ?, provider = ?, model = ?, model_calls = ?, "
                    + "input_tokens = ?, output_tokens = ?, cache_read_tokens = ?, "
                    + "cache_write_tokens = ?, cost_usd = ? "
                    + "WHERE tenant = ? AND day = ? AND session_id = ?",
                sequenceNr,
                e.agent(),
                e.provider(),
                e.model(),
                e.modelCalls(),
                u.inputTokens(),
                u.outputTokens(),
                u.cacheRead(),
                u.cacheWrite(),
                u.costUsd(),
                id.tenant(),
                e.day(),
                id.id()),
        (error, attempts) ->
            log.warn(
                "could not record usage of session {} on {} at event {} after {} attempts ({}); "
                    + "it is written again at the session's next status change or recovery",
                id.entityId(),
                e.day(),
                sequenceNr,
                attempts,
                error.toString()));
  }

  @Override
  public CompletionStage<List<UsageGroup>> report(
      String tenant, LocalDate from, LocalDate to, GroupBy by) {
    String cql =
        "SELECT session_id, day, agent, provider, model, model_calls, input_tokens, "
            + "output_tokens, cache_read_tokens, cache_write_tokens, cost_usd FROM "
            + table
            + " WHERE tenant = ? AND day = ?";
    List<LocalDate> days = from.datesUntil(to.plusDays(1)).toList();
    return Source.from(days)
        .flatMapConcat(
            day -> session.select(SimpleStatement.newInstance(cql, tenant, day).setPageSize(PAGE)))
        .runFold(new UsageReport(by), (report, row) -> report.add(entry(row)), system)
        .thenApply(UsageReport::groups);
  }

  private static Entry entry(Row r) {
    BigDecimal cost = r.getBigDecimal("cost_usd");
    return new Entry(
        r.getString("session_id"),
        r.getString("agent"),
        r.getString("provider"),
        r.getString("model"),
        r.getLocalDate("day"),
        r.getLong("model_calls"),
        new Usage(
            r.getLong("input_tokens"),
            r.getLong("output_tokens"),
            cost == null ? BigDecimal.ZERO : cost,
            r.getLong("cache_read_tokens"),
            r.getLong("cache_write_tokens")));
  }
}

package io.statehouse.api.http;

import io.statehouse.api.dto.Views;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.usage.GroupBy;
import io.statehouse.runtime.usage.UsageGroup;
import io.statehouse.runtime.usage.UsageLedger;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/usage?groupBy=agent|model|day&from=&to=}: what the caller's tenant's model calls
 * used and cost, from the usage ledger the sessions feed, by UTC day ({@code from} and {@code to}
 * inclusive, the last {@value #DEFAULT_DAYS} days by default, at most {@value #MAX_DAYS}). For
 * operators and auditors.
 */
final class UsageRoutes extends RouteSupport {
  static final int DEFAULT_DAYS = 30;
  static final int MAX_DAYS = 366;

  private final UsageLedger ledger;
  private final Clock clock;

  UsageRoutes(RouteSupport base, UsageLedger ledger, Clock clock) {
    super(base);
    this.ledger = ledger;
    this.clock = clock;
  }

  Route routes(Principal p) {
    return path(
        "usage",
        () ->
            get(
                () ->
                    parameterOptional(
                        "groupBy",
                        groupBy ->
                            parameterOptional(
                                "from",
                                from ->
                                    parameterOptional("to", to -> report(p, groupBy, from, to))))));
  }

  private Route report(
      Principal p, Optional<String> rawGroupBy, Optional<String> rawFrom, Optional<String> rawTo) {
    Access.require(p, "reading the tenant's usage", Access.READ_USAGE);
    GroupBy by =
        rawGroupBy
            .map(
                g ->
                    GroupBy.fromWire(g)
                        .orElseThrow(
                            () ->
                                ApiError.badRequest(
                                    "groupBy must be one of "
                                        + Arrays.stream(GroupBy.values())
                                            .map(GroupBy::wire)
                                            .toList())))
            .orElse(GroupBy.AGENT);
    LocalDate to =
        rawTo.map(t -> date("to", t)).orElse(LocalDate.now(clock.withZone(ZoneOffset.UTC)));
    LocalDate from = rawFrom.map(f -> date("from", f)).orElse(to.minusDays(DEFAULT_DAYS - 1L));
    if (from.isAfter(to)) {
      throw ApiError.badRequest("from (" + from + ") is after to (" + to + ")");
    }
    if (ChronoUnit.DAYS.between(from, to) >= MAX_DAYS) {
      throw ApiError.badRequest(
          "a usage report covers at most " + MAX_DAYS + " days; ask for a shorter range");
    }
    return respond(
        ledger
            .report(p.tenant(), from, to, by)
            .thenApply(
                groups ->
                    ApiJson.response(StatusCodes.OK, view(p.tenant(), by, from, to, groups))));
  }

  private static Views.UsageReportView view(
      String tenant, GroupBy by, LocalDate from, LocalDate to, List<UsageGroup> groups) {
    long calls = 0;
    Usage total = Usage.ZERO;
    for (UsageGroup g : groups) {
      calls += g.modelCalls();
      total = total.plus(g.usage());
    }
    return new Views.UsageReportView(
        tenant,
        by.wire(),
        from,
        to,
        groups.stream()
            .map(g -> new Views.UsageGroupView(g.key(), g.modelCalls(), Views.usage(g.usage())))
            .toList(),
        new Views.UsageGroupView(null, calls, Views.usage(total)));
  }

  private static LocalDate date(String name, String raw) {
    try {
      return LocalDate.parse(raw.trim());
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest(
          "query parameter '" + name + "' must be a date such as 2026-11-23 (UTC)");
    }
  }
}

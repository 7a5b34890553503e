package io.statehouse.api.ops;

import io.statehouse.runtime.approval.ApprovalQueue;
import io.statehouse.runtime.session.SessionDirectory;
import io.statehouse.runtime.session.SessionStatus;
import io.statehouse.runtime.telemetry.ActivityLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * What the operators' dashboard shows of a tenant at a glance: the cluster, the tenant's sessions
 * by status (from the session list) and how many of them no node holds in memory (passivated), its
 * pending approvals, and its last hour of activity on every node. Counting reads the tenant's
 * session list and approval queue page by page, up to {@code countCap} rows each ({@code capped}
 * says when there were more), and keeps the counts for {@code countTtl}, so dashboards that refresh
 * every few seconds cost one scan per tenant per {@code countTtl}.
 */
public final class OpsOverview {
  /** The overview of one tenant; {@code complete} is false when a node did not answer. */
  public record Overview(
      ClusterOverview.ClusterView cluster,
      Map<String, Long> sessions,
      boolean sessionsCapped,
      long approvalsPending,
      Activity activity,
      boolean complete) {}

  /** The last hour, minute by minute, and the slowest tools and models by p95. */
  public record Activity(
      List<ActivityLog.Minute> minutes,
      List<ActivityLog.Slowest> slowestTools,
      List<ActivityLog.Slowest> slowestModels) {}

  /** The key of sessions no node holds in memory, besides the statuses' wire names. */
  public static final String PASSIVATED = "passivated";

  private static final int SLOWEST = 5;

  private record Counts(Map<SessionStatus, Long> sessions, boolean capped, long approvals) {}

  private record Cached(Instant at, CompletableFuture<Counts> counts) {}

  private final ActorSystem<?> system;
  private final ClusterOverview cluster;
  private final SessionDirectory directory;
  private final ApprovalQueue approvals;
  private final Duration askTimeout;
  private final int countCap;
  private final Duration countTtl;
  private final Clock clock;
  private final Map<String, Cached> counts = new ConcurrentHashMap<>();

  public OpsOverview(
      ActorSystem<?> system,
      ClusterOverview cluster,
      SessionDirectory directory,
      ApprovalQueue approvals,
      Duration askTimeout,
      int countCap,
      Duration countTtl,
      Clock clock) {
    this.system = system;
    this.cluster = cluster;
    this.directory = directory;
    this.approvals = approvals;
    this.askTimeout = askTimeout;
    this.countCap = countCap;
    this.countTtl = countTtl;
    this.clock = clock;
  }

  public CompletionStage<Overview> read(String tenant) {
    CompletableFuture<ClusterOverview.ClusterView> view = cluster.read().toCompletableFuture();
    CompletableFuture<Counts> counted = counts(tenant);
    CompletableFuture<NodeOps.ClusterReport> nodes =
        NodeOps.ask(system, tenant, askTimeout, clock.millis() / 60_000).toCompletableFuture();
    return CompletableFuture.allOf(view, counted, nodes)
        .thenApply(done -> overview(view.join(), counted.join(), nodes.join()));
  }

  private static Overview overview(
      ClusterOverview.ClusterView view, Counts c, NodeOps.ClusterReport nodes) {
    Map<String, Long> sessions = new LinkedHashMap<>();
    long open = 0;
    for (SessionStatus s : SessionStatus.values()) {
      long n = c.sessions().getOrDefault(s, 0L);
      sessions.put(s.wire(), n);
      if (s != SessionStatus.CLOSED && s != SessionStatus.BROKEN) {
        open += n;
      }
    }
    sessions.put(PASSIVATED, Math.max(0, open - nodes.liveSessions()));
    ActivityLog.Snapshot a = nodes.activity();
    return new Overview(
        view,
        sessions,
        c.capped(),
        c.approvals(),
        new Activity(
            a.minutes(),
            ActivityLog.slowest(a.tools(), SLOWEST),
            ActivityLog.slowest(a.models(), SLOWEST)),
        nodes.complete() && view.statsComplete());
  }

  private CompletableFuture<Counts> counts(String tenant) {
    Instant now = clock.instant();
    Cached c =
        counts.compute(
            tenant,
            (k, old) ->
                old != null
                        && old.at().plus(countTtl).isAfter(now)
                        && !old.counts().isCompletedExceptionally()
                    ? old
                    : new Cached(now, count(tenant)));
    return c.counts();
  }

  private CompletableFuture<Counts> count(String tenant) {
    CompletableFuture<Pages.Read<SessionDirectory.Entry>> sessions =
        Pages.read(
                after -> directory.list(tenant, Optional.empty(), Pages.SIZE, after),
                SessionDirectory.Entry::sessionId,
                e -> true,
                countCap)
            .toCompletableFuture();
    CompletableFuture<Pages.Read<ApprovalQueue.Entry>> pending =
        Pages.read(
                after ->
                    approvals.list(
                        tenant, Optional.of(ApprovalQueue.Status.PENDING), Pages.SIZE, after),
                ApprovalQueue.Entry::approvalId,
                e -> true,
                countCap)
            .toCompletableFuture();
    return sessions.thenCombine(
        pending,
        (s, a) -> {
          Map<SessionStatus, Long> byStatus = new EnumMap<>(SessionStatus.class);
          s.rows().forEach(e -> byStatus.merge(e.status(), 1L, Long::sum));
          return new Counts(byStatus, s.capped(), a.rows().size());
        });
  }
}

package io.statehouse.api.ops;

import io.statehouse.runtime.catalog.Catalog;
import io.statehouse.runtime.session.AgentSession;
import io.statehouse.runtime.workspace.Workspace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The cluster as this node sees it: each member's status, roles and reachability, and the shards
 * and live entities (sessions, workspaces, catalogs) each one hosts. Membership is this node's own
 * gossip view, at once; the entity counts are asked of every region and may be missing for a member
 * that did not answer in time (then {@code statsComplete} is false). Counts only: no entity id, so
 * no tenant's data, leaves this class.
 */
public final class ClusterOverview {
  /** One member; the counts are null when its region did not answer. */
  public record MemberView(
      String address,
      String status,
      List<String> roles,
      String dataCenter,
      boolean reachable,
      boolean self,
      boolean leader,
      boolean oldest,
      Integer shards,
      Integer sessions,
      Integer workspaces,
      Integer catalogs) {}

  public record ClusterView(
      String self,
      String leader,
      List<MemberView> members,
      int unreachable,
      boolean statsComplete) {}

  private record Counts(int shards, int entities) {}

  private final ActorSystem<?> system;
  private final Duration statsTimeout;

  public ClusterOverview(ActorSystem<?> system, Duration statsTimeout) {
    this.system = system;
    this.statsTimeout = statsTimeout;
  }

  public CompletionStage<ClusterView> read() {
    CompletableFuture<Map<Address, ShardRegion.ShardRegionStats>> sessions =
        stats(AgentSession.ENTITY_TYPE);
    CompletableFuture<Map<Address, ShardRegion.ShardRegionStats>> workspaces =
        stats(Workspace.ENTITY_TYPE);
    CompletableFuture<Map<Address, ShardRegion.ShardRegionStats>> catalogs =
        stats(Catalog.ENTITY_TYPE);
    return CompletableFuture.allOf(sessions, workspaces, catalogs)
        .thenApply(done -> view(sessions.join(), workspaces.join(), catalogs.join()));
  }

  private ClusterView view(
      Map<Address, ShardRegion.ShardRegionStats> sessions,
      Map<Address, ShardRegion.ShardRegionStats> workspaces,
      Map<Address, ShardRegion.ShardRegionStats> catalogs) {
    Cluster cluster = Cluster.get(system);
    ClusterEvent.CurrentClusterState state = cluster.state();
    Address self = cluster.selfMember().address();
    Address leader = state.getLeader();
    Set<Member> unreachable = new HashSet<>();
    state.getUnreachable().forEach(unreachable::add);
    Member oldest = null;
    for (Member m : state.getMembers()) {
      if (oldest == null || m.isOlderThan(oldest)) {
        oldest = m;
      }
    }
    boolean complete = true;
    List<MemberView> members = new ArrayList<>();
    for (Member m : state.getMembers()) {
      Counts s = counts(sessions.get(m.address()));
      Counts w = counts(workspaces.get(m.address()));
      Counts c = counts(catalogs.get(m.address()));
      complete &= s != null && w != null && c != null;
      members.add(
          new MemberView(
              m.address().toString(),
              wire(m.status()),
              m.getRoles().stream().filter(r -> !r.startsWith("dc-")).sorted().toList(),
              m.dataCenter(),
              !unreachable.contains(m),
              m.address().equals(self),
              m.address().equals(leader),
              m.equals(oldest),
              total(s, w, c),
              s == null ? null : s.entities(),
              w == null ? null : w.entities(),
              c == null ? null : c.entities()));
    }
    members.sort(Comparator.comparing(MemberView::address));
    return new ClusterView(
        self.toString(),
        leader == null ? null : leader.toString(),
        List.copyOf(members),
        unreachable.size(),
        complete);
  }

  /** Pekko's member status as the API spells statuses: up, weakly_up, leaving, ... */
  static String wire(org.apache.pekko.cluster.MemberStatus status) {
    return status
        .toString()
        .replaceAll("([a-z])([A-Z])", "$1_$2")
        .toLowerCase(java.util.Locale.ROOT);
  }

  private static Integer total(Counts... counts) {
    int shards = 0;
    for (Counts c : counts) {
      if (c == null) {
        return null;
      }
      shards += c.shards();
    }
    return shards;
  }

  private static Counts counts(ShardRegion.ShardRegionStats stats) {
    if (stats == null) {
      return null;
    }
    int entities = 0;
    for (Object n : stats.getStats().values()) {
      entities += (Integer) n;
    }
    return new Counts(stats.getStats().size(), entities);
  }

  /** Each region's shards and entity counts; a region that does not answer in time is left out. */
  private CompletableFuture<Map<Address, ShardRegion.ShardRegionStats>> stats(
      EntityTypeKey<?> type) {
    return AskPattern
        .<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery,
            ShardRegion.ClusterShardingStats>
            ask(
                ClusterSharding.get(system).shardState(),
                replyTo -> new GetClusterShardingStats(type, statsTimeout, replyTo),
                statsTimeout.plus(statsTimeout),
                system.scheduler())
        .thenApply(ShardRegion.ClusterShardingStats::getRegions)
        // no answer at all (no coordinator yet, say): membership alone, marked incomplete
        .exceptionally(e -> Map.of())
        .toCompletableFuture();
  }
}

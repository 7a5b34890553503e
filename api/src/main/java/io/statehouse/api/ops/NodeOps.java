package io.statehouse.api.ops;

import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.EntityIds;
import io.statehouse.runtime.session.AgentSession;
import io.statehouse.runtime.telemetry.ActivityLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * One per node, registered with the receptionist: answers what only this node knows about a tenant,
 * so that an operator's overview can ask every node of the cluster: how many of the tenant's
 * sessions are live in this node's memory (the rest of its sessions are passivated), and the
 * tenant's last hour here ({@link ActivityLog}). Replies carry counts and latencies only.
 */
public final class NodeOps {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "statehouse-ops");

  public sealed interface Command extends CborSerializable {}

  /** Replies with {@link NodeReport}: the tenant's sessions live on this node, its last hour. */
  public record Report(String tenant, ActorRef<NodeReport> replyTo) implements Command {}

  /** {@code liveSessions} is -1 when the node's shard region did not answer. */
  public record NodeReport(int liveSessions, ActivityLog.Snapshot activity)
      implements CborSerializable {}

  private record Counted(int sessions, String tenant, ActorRef<NodeReport> replyTo)
      implements Command {}

  /**
   * Replies with {@link LiveSessions}: the ids of the tenant's sessions in this node's memory, at
   * most {@code limit}. A session with a turn in progress is never passivated, so the kill switch
   * finds every running turn among these, whether or not the session list shows it yet.
   */
  public record ListLive(String tenant, int limit, ActorRef<LiveSessions> replyTo)
      implements Command {}

  /** {@code complete} is false when the node's shard region did not answer. */
  public record LiveSessions(List<String> sessionIds, boolean complete)
      implements CborSerializable {}

  private NodeOps() {}

  public static Behavior<Command> create(ActivityLog activity, Duration localTimeout) {
    return Behaviors.setup(
        ctx -> {
          ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
          ActorRef<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery> shardState =
              ClusterSharding.get(ctx.getSystem()).shardState();
          // the sessions' shard region on this node: its shards and their live entities
          Supplier<CompletionStage<ShardRegion.CurrentShardRegionState>> regionState =
              () ->
                  AskPattern.ask(
                      shardState,
                      r -> new GetShardRegionState(AgentSession.ENTITY_TYPE, r),
                      localTimeout,
                      ctx.getSystem().scheduler());
          return Behaviors.receive(Command.class)
              .onMessage(
                  Report.class,
                  m -> {
                    String prefix = EntityIds.entityId(m.tenant(), "");
                    ctx.pipeToSelf(
                        regionState.get(),
                        (state, error) ->
                            new Counted(
                                error == null ? live(state, prefix) : -1, m.tenant(), m.replyTo()));
                    return Behaviors.same();
                  })
              .onMessage(
                  ListLive.class,
                  m -> {
                    String prefix = EntityIds.entityId(m.tenant(), "");
                    ctx.pipeToSelf(
                        regionState.get(),
                        (state, error) ->
                            new Listed(
                                error == null
                                    ? new LiveSessions(ids(state, prefix, m.limit()), true)
                                    : new LiveSessions(List.of(), false),
                                m.replyTo()));
                    return Behaviors.same();
                  })
              .onMessage(
                  Listed.class,
                  m -> {
                    m.replyTo().tell(m.sessions());
                    return Behaviors.same();
                  })
              .onMessage(
                  Counted.class,
                  m -> {
                    m.replyTo().tell(new NodeReport(m.sessions(), activity.snapshot(m.tenant())));
                    return Behaviors.same();
                  })
              .build();
        });
  }

  private record Listed(LiveSessions sessions, ActorRef<LiveSessions> replyTo) implements Command {}

  private static List<String> ids(
      ShardRegion.CurrentShardRegionState state, String prefix, int limit) {
    List<String> ids = new ArrayList<>();
    for (ShardRegion.ShardState shard : state.getShards()) {
      for (String entity : shard.getEntityIds()) {
        if (entity.startsWith(prefix) && ids.size() < limit) {
          ids.add(entity.substring(prefix.length()));
        }
      }
    }
    return ids;
  }

  /**
   * The ids of {@code tenant}'s sessions in the memory of every node that answers within {@code
   * timeout}, at most {@code limit} per node; {@code complete} is false when a node did not answer.
   */
  public static CompletionStage<LiveSessions> liveSessions(
      ActorSystem<?> system, String tenant, int limit, Duration timeout) {
    return NodeOps.<LiveSessions>askEveryNode(system, r -> new ListLive(tenant, limit, r), timeout)
        .thenApply(
            answers -> {
              List<String> ids = new ArrayList<>();
              boolean complete = true;
              for (LiveSessions a : answers) {
                complete &= a != null && a.complete();
                if (a != null) {
                  ids.addAll(a.sessionIds());
                }
              }
              return new LiveSessions(ids, complete);
            });
  }

  /**
   * Every node's answer to {@code message}, {@code null} for a node that did not answer in time.
   */
  private static <R> CompletionStage<List<R>> askEveryNode(
      ActorSystem<?> system, Function<ActorRef<R>, Command> message, Duration timeout) {
    return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
            system.receptionist(), r -> Receptionist.find(KEY, r), timeout, system.scheduler())
        .thenCompose(
            listing -> {
              List<CompletableFuture<R>> answers = new ArrayList<>();
              for (ActorRef<Command> node : listing.getServiceInstances(KEY)) {
                answers.add(
                    AskPattern.<Command, R>ask(node, message::apply, timeout, system.scheduler())
                        .exceptionally(e -> null)
                        .toCompletableFuture());
              }
              return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                  .thenApply(done -> answers.stream().map(CompletableFuture::join).toList());
            });
  }

  private static int live(ShardRegion.CurrentShardRegionState state, String prefix) {
    int n = 0;
    for (ShardRegion.ShardState shard : state.getShards()) {
      for (String entity : shard.getEntityIds()) {
        if (entity.startsWith(prefix)) {
          n++;
        }
      }
    }
    return n;
  }

  /**
   * What every node of the cluster that answers within {@code timeout} reports of {@code tenant}:
   * its live sessions summed, its activity merged; {@code complete} is false when a node did not
   * answer (or could not count).
   */
  public record ClusterReport(
      int liveSessions, ActivityLog.Snapshot activity, int nodes, boolean complete) {}

  public static CompletionStage<ClusterReport> ask(
      ActorSystem<?> system, String tenant, Duration timeout, long nowMinute) {
    return NodeOps.<NodeReport>askEveryNode(system, r -> new Report(tenant, r), timeout)
        .thenApply(
            answers -> {
              int live = 0;
              boolean complete = true;
              List<ActivityLog.Snapshot> activity = new ArrayList<>();
              for (NodeReport r : answers) {
                complete &= r != null && r.liveSessions() >= 0;
                if (r != null) {
                  live += Math.max(0, r.liveSessions());
                  activity.add(r.activity());
                }
              }
              return new ClusterReport(
                  live, ActivityLog.merge(activity, nowMinute), answers.size(), complete);
            });
  }
}

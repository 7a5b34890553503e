package io.statehouse.runtime.journal;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorIdentity;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Identify;
import org.apache.pekko.actor.PoisonPill;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.ReceiveTimeout;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.sharding.ClusterSharding;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.pattern.Patterns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sharding's own persistent state on this node: the event-sourced remember-entities stores of each
 * shard and of the shard coordinator (pekko.cluster.sharding.remember-entities-store =
 * eventsourced).
 *
 * <p>They keep their sequence numbers in memory like any persistent actor. After the journal was
 * unreachable, one of them could otherwise go on writing after a tail the journal no longer holds.
 * {@link #reset} stops them; Pekko restarts them at once and they recover from the journal: a shard
 * whose store stops fails and is restarted by its region (stopping its entities, which then come
 * back as remembered entities), and the coordinator stops and is restarted by its backoff
 * supervisor.
 */
public final class ShardingStores {
  private static final Logger log = LoggerFactory.getLogger(ShardingStores.class);

  /** Where Pekko 1.x puts the stores: under each shard, and under the coordinator singleton. */
  static final List<String> PATHS =
      List.of(
          "/system/sharding/*/*/RememberEntitiesStore",
          "/system/sharding/*/singleton/coordinator/RememberEntitiesStore");

  /** Identify answers come from this node's own actors; quiet this long means all are in. */
  private static final Duration QUIET = Duration.ofMillis(300);

  private static final AtomicLong LOOKUPS = new AtomicLong();

  private ShardingStores() {}

  /** The remember-entities stores running on this node now. */
  public static CompletionStage<Set<ActorRef>> find(ActorSystem<?> system) {
    CompletableFuture<Set<ActorRef>> found = new CompletableFuture<>();
    ((ExtendedActorSystem) Adapter.toClassic(system))
        .systemActorOf(
            Props.create(Finder.class, () -> new Finder(found)),
            "remember-entities-stores-" + LOOKUPS.incrementAndGet());
    return found;
  }

  /** Stops every remember-entities store on this node; completes with how many there were. */
  public static CompletionStage<Integer> reset(ActorSystem<?> system) {
    return find(system)
        .thenApply(
            stores -> {
              stores.forEach(store -> store.tell(PoisonPill.getInstance(), ActorRef.noSender()));
              log.warn(
                  "Stopped {} remember-entities stores of sharding; they recover from the journal",
                  stores.size());
              return stores.size();
            });
  }

  /**
   * Completes once the coordinator of every entity type this node runs answers again (its
   * remember-entities store has read the journal and it allocates shards), checking every {@code
   * every}; fails after {@code deadline} ({@link System#nanoTime()}).
   */
  public static CompletionStage<Void> awaitCoordinators(
      ActorSystem<?> system, Duration every, long deadline) {
    ClusterSharding sharding = ClusterSharding.get(Adapter.toClassic(system));
    return until(
        system,
        every,
        deadline,
        "sharding's coordinators did not answer in time",
        () -> {
          List<CompletableFuture<Boolean>> answers =
              sharding.getShardTypeNames().stream()
                  .map(
                      type ->
                          Patterns.ask(
                                  sharding.shardRegion(type),
                                  ShardRegion.getCurrentRegionsInstance(),
                                  every.multipliedBy(4))
                              .toCompletableFuture()
                              // a region without a coordinator answers at once with no regions
                              .thenApply(
                                  r -> !((ShardRegion.CurrentRegions) r).getRegions().isEmpty())
                              .exceptionally(e -> false))
                  .toList();
          return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
              .thenApply(v -> answers.stream().allMatch(CompletableFuture::join));
        });
  }

  /** The shards each entity type's region hosts on this node now, by type name. */
  public static CompletionStage<Map<String, Set<String>>> hostedShards(
      ActorSystem<?> system, Duration within) {
    ClusterSharding sharding = ClusterSharding.get(Adapter.toClassic(system));
    Map<String, CompletableFuture<Set<String>>> asked = new HashMap<>();
    for (String type : sharding.getShardTypeNames()) {
      asked.put(
          type,
          Patterns.ask(
                  sharding.shardRegion(type), ShardRegion.getShardRegionStateInstance(), within)
              .toCompletableFuture()
              .thenApply(ShardingStores::answering));
    }
    return CompletableFuture.allOf(asked.values().toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              Map<String, Set<String>> hosted = new HashMap<>();
              asked.forEach((type, shards) -> hosted.put(type, shards.join()));
              return hosted;
            });
  }

  /**
   * Completes once every shard of {@code hosted} answers again on this node: its store has read the
   * journal and the shard has started its remembered entities. A shard still loading keeps what it
   * is sent and delivers it once loaded; a shard whose load fails stops and drops it. So requests
   * are let in only after this. Checks every {@code every}; fails after {@code deadline} ({@link
   * System#nanoTime()}).
   */
  public static CompletionStage<Void> awaitShards(
      ActorSystem<?> system, Map<String, Set<String>> hosted, Duration every, long deadline) {
    return until(
        system,
        every,
        deadline,
        "sharding's shards did not read the journal again in time",
        () ->
            hostedShards(system, every.multipliedBy(20))
                .handle(
                    (now, failure) ->
                        failure == null
                            && hosted.entrySet().stream()
                                .allMatch(
                                    e ->
                                        now.getOrDefault(e.getKey(), Set.of())
                                            .containsAll(e.getValue()))));
  }

  /**
   * Completes once {@code check} answers true, asking again every {@code every}; fails with {@code
   * late} once {@code deadline} ({@link System#nanoTime()}) has passed. A check that fails counts
   * as false.
   */
  static CompletionStage<Void> until(
      ActorSystem<?> system,
      Duration every,
      long deadline,
      String late,
      Supplier<CompletionStage<Boolean>> check) {
    org.apache.pekko.actor.ActorSystem classic = Adapter.toClassic(system);
    CompletableFuture<Void> done = new CompletableFuture<>();
    Runnable[] attempt = new Runnable[1];
    attempt[0] =
        () ->
            check
                .get()
                .handle((ok, failure) -> failure == null && ok)
                .thenAccept(
                    ok -> {
                      if (ok) {
                        done.complete(null);
                      } else if (System.nanoTime() > deadline) {
                        done.completeExceptionally(new IllegalStateException(late));
                      } else {
                        classic.scheduler().scheduleOnce(every, attempt[0], classic.dispatcher());
                      }
                    });
    attempt[0].run();
    return done;
  }

  /** The shards that answered a region's state query (one still loading or stopped does not). */
  private static Set<String> answering(Object reply) {
    ShardRegion.CurrentShardRegionState state = (ShardRegion.CurrentShardRegionState) reply;
    Set<String> ids = new HashSet<>();
    state.getShards().forEach(shard -> ids.add(shard.shardId()));
    ids.removeAll(state.getFailed());
    return ids;
  }

  /** Sends Identify to each path pattern and collects who answers. */
  static final class Finder extends AbstractActor {
    private final CompletableFuture<Set<ActorRef>> found;
    private final Set<ActorRef> stores = new HashSet<>();

    Finder(CompletableFuture<Set<ActorRef>> found) {
      this.found = found;
    }

    @Override
    public void preStart() {
      for (String path : PATHS) {
        getContext().actorSelection(path).tell(new Identify(path), getSelf());
      }
      getContext().setReceiveTimeout(QUIET);
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(ActorIdentity.class, id -> id.getActorRef().ifPresent(stores::add))
          .match(
              ReceiveTimeout.class,
              t -> {
                found.complete(Set.copyOf(stores));
                getContext().stop(getSelf());
              })
          .build();
    }
  }
}

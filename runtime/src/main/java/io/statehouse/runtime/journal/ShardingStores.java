package io.statehouse.runtime.journal;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
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
   * every}; fails after {@code within}.
   */
  public static CompletionStage<Void> awaitCoordinators(
      ActorSystem<?> system, Duration every, Duration within) {
    org.apache.pekko.actor.ActorSystem classic = Adapter.toClassic(system);
    ClusterSharding sharding = ClusterSharding.get(classic);
    long deadline = System.nanoTime() + within.toNanos();
    CompletableFuture<Void> done = new CompletableFuture<>();
    Runnable[] attempt = new Runnable[1];
    attempt[0] =
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
          CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
              .thenRun(
                  () -> {
                    if (answers.stream().allMatch(CompletableFuture::join)) {
                      done.complete(null);
                    } else if (System.nanoTime() > deadline) {
                      done.completeExceptionally(
                          new IllegalStateException(
                              "sharding's coordinators did not answer within " + within));
                    } else {
                      classic.scheduler().scheduleOnce(every, attempt[0], classic.dispatcher());
                    }
                  });
        };
    attempt[0].run();
    return done;
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

package io.statehouse.runtime;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * Asking an entity for a {@link StatusReply} from Java. (Pekko's Java {@code
 * EntityRef.askWithStatus} takes a Scala function.) The stage fails with the reply's error, e.g. a
 * {@link Rejection}, or with a {@code TimeoutException}.
 */
public final class Asks {
  private Asks() {}

  /** {@code replyType} only guides type inference for lambdas like {@code r -> new Get(r)}. */
  public static <M, R> CompletionStage<R> askWithStatus(
      EntityRef<M> entity,
      Class<R> replyType,
      Function<ActorRef<StatusReply<R>>, M> message,
      Duration timeout) {
    return entity
        .<StatusReply<R>>ask(message::apply, timeout)
        .thenCompose(
            reply ->
                reply.isSuccess()
                    ? CompletableFuture.completedFuture(reply.getValue())
                    : CompletableFuture.failedFuture(reply.getError()));
  }
}

package io.statehouse.runtime;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * Asking an entity for a {@link StatusReply} from Java. (Pekko's Java {@code
 * EntityRef.askWithStatus} takes a Scala function.) The stage fails with the reply's error, e.g. a
 * {@link Rejection}, or with a {@code TimeoutException}.
 *
 * <p>The stages returned here continue <em>in the thread that completes them</em> (for an ask: the
 * thread that ran the reply's sender). A Java ask's own stage is Scala's {@code FutureConverters}
 * future, whose every non-async method is async on the common pool: on two cores, a new thread per
 * step (see {@code AsyncDefaults}), and a thread hop per step anywhere. The steps after an ask are
 * short (map a reply to a response), so they run inline.
 */
public final class Asks {
  private static final Executor INLINE = Runnable::run;

  private Asks() {}

  /** {@code replyType} only guides type inference for lambdas like {@code r -> new Get(r)}. */
  public static <M, R> CompletionStage<R> askWithStatus(
      EntityRef<M> entity,
      Class<R> replyType,
      Function<ActorRef<StatusReply<R>>, M> message,
      Duration timeout) {
    return entity
        .<StatusReply<R>>ask(message::apply, timeout)
        .thenComposeAsync(
            reply ->
                reply.isSuccess()
                    ? CompletableFuture.completedFuture(reply.getValue())
                    : CompletableFuture.failedFuture(reply.getError()),
            INLINE);
  }

  /**
   * {@code stage} (an ask's) as a plain future whose later steps run in the thread that completes
   * it, not each in another thread.
   */
  public static <T> CompletableFuture<T> inline(CompletionStage<T> stage) {
    CompletableFuture<T> out = new CompletableFuture<>();
    stage.whenCompleteAsync(
        (value, error) -> {
          if (error != null) {
            out.completeExceptionally(error);
          } else {
            out.complete(value);
          }
        },
        INLINE);
    return out;
  }
}

package io.statehouse.runtime;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.dispatch.ExecutionContexts;
import org.apache.pekko.pattern.StatusReply;
import scala.concurrent.ExecutionContextExecutor;

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
  // a resend only tells the entity's ref: it runs in the scheduler's thread
  private static final ExecutionContextExecutor ON_SCHEDULER =
      ExecutionContexts.fromExecutor(INLINE);

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
   * {@link #askWithStatus} for a message the entity may safely get more than once (it carries an
   * idempotency key the entity remembers): sent again every {@code resendAfter} while no answer has
   * come, until {@code timeout}. Sharding delivers at most once: a message on its way to a shard
   * that is being handed over (a node leaving, a rolling restart) can be lost, and without a resend
   * its caller would wait the whole timeout for nothing. Every attempt's answer counts (each waits
   * until the same deadline) and the first one wins; once one has come nothing more is sent.
   */
  public static <M, R> CompletionStage<R> askWithStatusResending(
      EntityRef<M> entity,
      Class<R> replyType,
      Function<ActorRef<StatusReply<R>>, M> message,
      Duration timeout,
      Duration resendAfter,
      Scheduler scheduler) {
    if (resendAfter.isZero() || resendAfter.isNegative()) {
      throw new IllegalArgumentException("resendAfter must be positive: " + resendAfter);
    }
    CompletableFuture<R> out = new CompletableFuture<>();
    attempt(entity, message, System.nanoTime() + timeout.toNanos(), resendAfter, scheduler, out);
    return out;
  }

  private static <M, R> void attempt(
      EntityRef<M> entity,
      Function<ActorRef<StatusReply<R>>, M> message,
      long deadline,
      Duration resendAfter,
      Scheduler scheduler,
      CompletableFuture<R> out) {
    long left = deadline - System.nanoTime();
    if (out.isDone() || left <= 0) {
      return;
    }
    Cancellable next =
        left > resendAfter.toNanos()
            ? scheduler.scheduleOnce(
                resendAfter,
                () -> attempt(entity, message, deadline, resendAfter, scheduler, out),
                ON_SCHEDULER)
            : null;
    askWithStatus(entity, null, message, Duration.ofNanos(left))
        .whenComplete(
            (value, error) -> {
              if (error == null) {
                out.complete(value);
              } else {
                // an answer that is an error, or the timeout at the deadline every attempt shares
                out.completeExceptionally(error);
              }
              if (out.isDone() && next != null) {
                next.cancel();
              }
            });
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

package io.statehouse.runtime.tool;

import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.telemetry.LogIds;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One tool call, as a child of its session: runs attempts through the {@link ToolExecutor}, retries
 * retryable failures of idempotent tools with backoff, then reports one {@link Finished} to its
 * parent and stops.
 *
 * <p>It never writes state: the session persisted {@code ToolCallStarted} before spawning it and
 * persists the outcome when {@link Finished} arrives. If the node dies meanwhile, the session
 * decides on recovery whether the call may run again. Every attempt uses the same idempotency key.
 */
public final class ToolCall {

  /** Messages the call actor handles; all internal. */
  public sealed interface Command extends CborSerializable {}

  /** An attempt ended; replied through pipeToSelf. */
  record AttemptDone(int attempt, ToolResult result) implements Command {}

  /** The backoff pause before the next attempt is over. */
  record StartNextAttempt() implements Command {}

  /** Sent to the parent once: the final result and how many attempts it took. */
  public record Finished(
      String turnId, String callId, ToolResult result, int attempts, long durationMs)
      implements CborSerializable {}

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ToolExecutor executor;
  private final ActorRef<Finished> replyTo;
  private final long startedNanos = System.nanoTime();

  private ToolCall(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ToolExecutor executor,
      ActorRef<Finished> replyTo) {
    this.context = context;
    this.timers = timers;
    this.executor = executor;
    this.replyTo = replyTo;
  }

  public static Behavior<Command> create(
      ToolInvocation firstAttempt, ToolExecutor executor, ActorRef<Finished> replyTo) {
    // its log lines name the session, turn and call it works for
    return Behaviors.withMdc(
        Command.class,
        logIds(firstAttempt.context()),
        Behaviors.setup(
            ctx ->
                Behaviors.withTimers(
                    timers ->
                        new ToolCall(ctx, timers, executor, replyTo).attempting(firstAttempt))));
  }

  private static Map<String, String> logIds(ToolInvocation.CallContext c) {
    Map<String, String> ids = new HashMap<>();
    putIfPresent(ids, LogIds.TENANT, c.tenant());
    putIfPresent(ids, LogIds.SESSION, c.sessionId());
    putIfPresent(ids, LogIds.TURN, c.turnId());
    putIfPresent(ids, LogIds.TOOL_CALL, c.callId());
    return ids;
  }

  private static void putIfPresent(Map<String, String> ids, String key, String value) {
    if (value != null) {
      ids.put(key, value);
    }
  }

  private Behavior<Command> attempting(ToolInvocation invocation) {
    context.pipeToSelf(
        safely(invocation),
        (result, error) ->
            new AttemptDone(
                invocation.attempt(),
                error == null
                    ? result
                    : new ToolResult.Failure("executor_error", String.valueOf(error), true)));
    return Behaviors.receive(Command.class)
        .onMessage(AttemptDone.class, done -> onAttemptDone(invocation, done.result()))
        .build();
  }

  private Behavior<Command> onAttemptDone(ToolInvocation invocation, ToolResult result) {
    if (shouldRetry(invocation, result)) {
      Duration pause = invocation.spec().retry().delayBefore(invocation.attempt() + 1);
      context
          .getLog()
          .info(
              "tool {} call {} attempt {} failed ({}); retrying in {}",
              invocation.spec().name(),
              invocation.context().callId(),
              invocation.attempt(),
              ((ToolResult.Failure) result).code(),
              pause);
      timers.startSingleTimer(new StartNextAttempt(), pause);
      ToolInvocation next = invocation.nextAttempt();
      return Behaviors.receive(Command.class)
          .onMessage(StartNextAttempt.class, m -> attempting(next))
          .build();
    }
    long ms = (System.nanoTime() - startedNanos) / 1_000_000;
    replyTo.tell(
        new Finished(
            invocation.context().turnId(),
            invocation.context().callId(),
            result,
            invocation.attempt(),
            ms));
    return Behaviors.stopped();
  }

  /** Only idempotent tools are retried: a non-idempotent call that failed may still have acted. */
  private static boolean shouldRetry(ToolInvocation invocation, ToolResult result) {
    return result instanceof ToolResult.Failure failure
        && failure.retryable()
        && invocation.spec().idempotent()
        && invocation.attempt() < invocation.spec().retry().maxAttempts();
  }

  private CompletionStage<ToolResult> safely(ToolInvocation invocation) {
    try {
      return executor.execute(invocation);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(
          new ToolResult.Failure("executor_error", e.toString(), true));
    }
  }
}

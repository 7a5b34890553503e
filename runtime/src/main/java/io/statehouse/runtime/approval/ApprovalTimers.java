package io.statehouse.runtime.approval;

import com.typesafe.config.Config;
import io.statehouse.runtime.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The durable timers of approvals that expire. Deadlines live in the approval queue's read model
 * (written by the sessions after they persist {@code ApprovalRequested}), never in RAM: this actor,
 * one per cluster (a singleton), only polls for deadlines that are due and tells their sessions,
 * which wake from their journal, check the approval is still pending and due, and deny it. A node
 * that was down when a deadline passed is no problem: the next poll, on whichever node runs the
 * singleton, finds it.
 *
 * <p>A deadline whose session has already decided stays in the table only if its removal was lost
 * (the decision's queue write ran out of attempts, or the node died before it). Such a session
 * answers that nothing waits for the approval any more, and this actor deletes the deadline: stale
 * deadlines would otherwise fill every batch of due ones and keep later approvals from expiring. A
 * deadline whose session does not answer is sent again at most every {@code resend-after}.
 */
public final class ApprovalTimers {

  /** Settings from {@code statehouse.approvals}. */
  public record Settings(Duration pollInterval, int batch, Duration resendAfter) {
    public static Settings fromConfig(Config config) {
      Config c = config.getConfig("statehouse.approvals");
      return new Settings(
          c.getDuration("timer-poll-interval"),
          c.getInt("timer-batch"),
          c.getDuration("timer-resend-after"));
    }
  }

  /** What the actor handles; all internal. */
  public sealed interface Command extends CborSerializable {}

  record Poll() implements Command {}

  record Polled(List<ApprovalQueue.Deadline> due, Throwable error) implements Command {}

  /** A session's answer about a deadline: {@code stale} when nothing waits for it any more. */
  record Answered(ApprovalQueue.Deadline deadline, boolean stale, Throwable error)
      implements Command {}

  /** Tells a deadline's session to expire it. */
  @FunctionalInterface
  public interface Expirer {
    /**
     * Completes with true when the session says nothing waits for the approval any more (decided,
     * its turn ended, no such session), false when it expired it now or it still waits.
     */
    CompletionStage<Boolean> expire(ApprovalQueue.Deadline deadline);
  }

  private final ActorContext<Command> context;
  private final ApprovalQueue queue;
  private final Expirer expire;
  private final Settings settings;
  private final Clock clock;
  // when each deadline was last sent, so a stale one is not sent every poll; not a source of truth
  private final Map<String, Instant> sent = new HashMap<>();

  private ApprovalTimers(
      ActorContext<Command> context,
      ApprovalQueue queue,
      Expirer expire,
      Settings settings,
      Clock clock) {
    this.context = context;
    this.queue = queue;
    this.expire = expire;
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * @param expire tells a deadline's session to expire it (through sharding)
   */
  public static Behavior<Command> create(
      ApprovalQueue queue, Expirer expire, Settings settings, Clock clock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                (TimerScheduler<Command> timers) -> {
                  timers.startTimerWithFixedDelay(new Poll(), settings.pollInterval());
                  return new ApprovalTimers(ctx, queue, expire, settings, clock).idle();
                }));
  }

  private Behavior<Command> idle() {
    return Behaviors.receive(Command.class)
        .onMessage(Poll.class, p -> poll())
        .onMessage(Polled.class, p -> idle())
        .onMessage(Answered.class, this::onAnswered)
        .build();
  }

  /** One poll at a time: further ticks are dropped until its answer arrives. */
  private Behavior<Command> poll() {
    Instant now = clock.instant();
    context.pipeToSelf(queue.due(now, settings.batch()), (due, error) -> new Polled(due, error));
    return Behaviors.receive(Command.class)
        .onMessage(Poll.class, p -> Behaviors.same())
        .onMessage(Polled.class, this::onPolled)
        .onMessage(Answered.class, this::onAnswered)
        .build();
  }

  private Behavior<Command> onPolled(Polled p) {
    if (p.error() != null) {
      context.getLog().warn("Could not read due approval deadlines: {}", p.error().toString());
      return idle();
    }
    Instant now = clock.instant();
    sent.values().removeIf(at -> at.plus(settings.resendAfter()).isBefore(now));
    for (ApprovalQueue.Deadline d : p.due()) {
      if (sent.putIfAbsent(d.approvalId(), now) == null) {
        context.pipeToSelf(
            expire.expire(d), (stale, error) -> new Answered(d, Boolean.TRUE.equals(stale), error));
      }
    }
    return idle();
  }

  private Behavior<Command> onAnswered(Answered a) {
    if (a.error() != null) {
      // sent again after resend-after
      context
          .getLog()
          .debug(
              "No answer about the deadline of approval {}: {}",
              a.deadline().approvalId(),
              a.error().toString());
    } else if (a.stale()) {
      queue.forget(a.deadline());
    }
    return Behaviors.same();
  }
}

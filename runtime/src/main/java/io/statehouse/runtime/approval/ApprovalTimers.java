package io.statehouse.runtime.approval;

import com.typesafe.config.Config;
import io.statehouse.runtime.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
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
 * <p>A deadline whose session has already decided stays in the table only if its removal was lost;
 * such a session ignores the message, and this actor re-sends it at most every {@code
 * resend-after}.
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

  private final ActorContext<Command> context;
  private final ApprovalQueue queue;
  private final Consumer<ApprovalQueue.Deadline> expire;
  private final Settings settings;
  private final Clock clock;
  // when each deadline was last sent, so a stale one is not sent every poll; not a source of truth
  private final Map<String, Instant> sent = new HashMap<>();

  private ApprovalTimers(
      ActorContext<Command> context,
      ApprovalQueue queue,
      Consumer<ApprovalQueue.Deadline> expire,
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
      ApprovalQueue queue,
      Consumer<ApprovalQueue.Deadline> expire,
      Settings settings,
      Clock clock) {
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
        .build();
  }

  /** One poll at a time: further ticks are dropped until its answer arrives. */
  private Behavior<Command> poll() {
    Instant now = clock.instant();
    context.pipeToSelf(queue.due(now, settings.batch()), (due, error) -> new Polled(due, error));
    return Behaviors.receive(Command.class)
        .onMessage(Poll.class, p -> Behaviors.same())
        .onMessage(Polled.class, this::onPolled)
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
        expire.accept(d);
      }
    }
    return idle();
  }
}

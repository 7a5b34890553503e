package io.statehouse.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.sharding.typed.testkit.javadsl.TestEntityRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import scala.concurrent.Promise;
import scala.jdk.javaapi.FutureConverters;

class AsksTest {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Duration RESEND = Duration.ofMillis(300);

  /** A keyed request, as a session's SendMessage is. */
  record Keyed(String key, ActorRef<StatusReply<String>> replyTo) {}

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static EntityRef<Keyed> entity(TestProbe<Keyed> probe) {
    return TestEntityRef.of(EntityTypeKey.create(Keyed.class, "keyed"), "e-1", probe.ref());
  }

  private static CompletableFuture<String> resending(TestProbe<Keyed> probe, Duration timeout) {
    return Asks.askWithStatusResending(
            entity(probe),
            String.class,
            r -> new Keyed("k-1", r),
            timeout,
            RESEND,
            testKit.scheduler())
        .toCompletableFuture();
  }

  @Test
  void aKeyedAskThatGotNoAnswerIsSentAgainAndTheAnswerToTheResendCompletesIt() throws Exception {
    TestProbe<Keyed> probe = testKit.createTestProbe();
    CompletableFuture<String> answer = resending(probe, Duration.ofSeconds(20));

    Keyed lost = probe.expectMessageClass(Keyed.class);
    Keyed resent = probe.expectMessageClass(Keyed.class, Duration.ofSeconds(5));
    assertEquals(lost.key(), resent.key(), "the resend is the same keyed request");
    assertFalse(answer.isDone());
    resent.replyTo().tell(StatusReply.success("turn-1"));

    assertEquals("turn-1", answer.get(5, TimeUnit.SECONDS));
  }

  @Test
  void aLateAnswerToTheFirstSendingStillCompletesTheAskAfterAResend() throws Exception {
    TestProbe<Keyed> probe = testKit.createTestProbe();
    CompletableFuture<String> answer = resending(probe, Duration.ofSeconds(20));

    Keyed slow = probe.expectMessageClass(Keyed.class);
    probe.expectMessageClass(Keyed.class, Duration.ofSeconds(5));
    slow.replyTo().tell(StatusReply.success("turn-1"));

    assertEquals("turn-1", answer.get(5, TimeUnit.SECONDS));
  }

  @Test
  void nothingIsSentAgainOnceAnAnswerCame() throws Exception {
    TestProbe<Keyed> probe = testKit.createTestProbe();
    CompletableFuture<String> answer = resending(probe, Duration.ofSeconds(20));

    probe.expectMessageClass(Keyed.class).replyTo().tell(StatusReply.success("turn-1"));

    assertEquals("turn-1", answer.get(5, TimeUnit.SECONDS));
    probe.expectNoMessage(RESEND.multipliedBy(4));
  }

  @Test
  void aRejectionEndsTheAskWithoutAnotherSending() throws Exception {
    TestProbe<Keyed> probe = testKit.createTestProbe();
    CompletableFuture<String> answer = resending(probe, Duration.ofSeconds(20));

    Rejection busy = new Rejection("session_busy", "a turn is running");
    probe.expectMessageClass(Keyed.class).replyTo().tell(StatusReply.error(busy));

    assertEquals(busy, Futures.unwrap(answer.handle((v, e) -> e).get(5, TimeUnit.SECONDS)));
    probe.expectNoMessage(RESEND.multipliedBy(4));
  }

  @Test
  void withNoAnswerAtAllItTimesOutAtTheDeadlineNotAtTheFirstResend() throws Exception {
    TestProbe<Keyed> probe = testKit.createTestProbe();
    Duration timeout = Duration.ofMillis(1_500);
    long start = System.nanoTime();
    CompletableFuture<String> answer = resending(probe, timeout);

    Throwable error = Futures.unwrap(answer.handle((v, e) -> e).get(10, TimeUnit.SECONDS));
    long elapsed = System.nanoTime() - start;

    assertInstanceOf(TimeoutException.class, error);
    assertTrue(elapsed >= timeout.toNanos(), "failed only at the deadline: " + elapsed + " ns");
    // it was sent again while it waited (the probe fails unless two sendings are there)
    probe.receiveSeveralMessages(2, Duration.ofSeconds(1));
  }

  @Test
  void aStepAfterAnInlinedAskRunsInTheThreadThatAnswered() throws Exception {
    // what a Java ask returns: Scala's future seen through FutureConverters
    Promise<String> reply = Promise.apply();
    CompletionStage<String> asked = FutureConverters.asJava(reply.future());
    CompletableFuture<String> ranOn =
        Asks.inline(asked).thenApply(v -> v + " on " + Thread.currentThread().getName());

    Thread answerer = new Thread(() -> reply.success("answer"), "the-answering-thread");
    answerer.start();
    answerer.join();

    assertEquals("answer on the-answering-thread", ranOn.get(10, TimeUnit.SECONDS));
  }

  @Test
  void anInlinedAskThatFailsFailsWithTheSameError() {
    Promise<String> reply = Promise.apply();
    CompletableFuture<String> inlined = Asks.inline(FutureConverters.asJava(reply.future()));
    IllegalStateException boom = new IllegalStateException("boom");
    reply.failure(boom);
    assertEquals(boom, inlined.handle((v, e) -> e).join());
  }
}

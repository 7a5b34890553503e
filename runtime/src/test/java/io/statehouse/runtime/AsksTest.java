package io.statehouse.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import scala.concurrent.Promise;
import scala.jdk.javaapi.FutureConverters;

class AsksTest {
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

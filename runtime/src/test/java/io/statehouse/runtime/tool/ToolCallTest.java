package io.statehouse.runtime.tool;

import static io.statehouse.runtime.testing.Specs.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.catalog.RetryPolicy;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.testing.ScriptedTools;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ToolCallTest {
  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static ToolInvocation invocation(boolean idempotent, int maxAttempts) {
    ToolSpec spec =
        new ToolSpec(
            "flaky",
            1,
            "",
            json("{}"),
            idempotent,
            Duration.ofSeconds(1),
            new RetryPolicy(maxAttempts, Duration.ofMillis(20), Duration.ofMillis(50)),
            new HttpTarget("POST", "http://unused", null));
    return new ToolInvocation(
        spec,
        json("{}"),
        "ses_1/call_0_0",
        1,
        new ToolInvocation.CallContext("acme", "alice", "ses_1", "a", "t1", "call_0_0"));
  }

  private static ScriptedTools failingTimes(int failures, boolean retryable) {
    AtomicInteger calls = new AtomicInteger();
    return new ScriptedTools()
        .answer(
            "flaky",
            inv ->
                calls.incrementAndGet() <= failures
                    ? new ToolResult.Failure("http_503", "down", retryable)
                    : new ToolResult.Success("ok"));
  }

  @Test
  void retriesAnIdempotentToolWithTheSameKeyUntilItSucceeds() {
    ScriptedTools tools = failingTimes(2, true);
    TestProbe<ToolCall.Finished> parent = testKit.createTestProbe();

    testKit.spawn(ToolCall.create(invocation(true, 3), tools, parent.getRef()));

    ToolCall.Finished finished = parent.receiveMessage(Duration.ofSeconds(3));
    assertEquals(new ToolResult.Success("ok"), finished.result());
    assertEquals(3, finished.attempts());
    assertEquals(3, tools.invocations().size());
    tools.invocations().forEach(i -> assertEquals("ses_1/call_0_0", i.idempotencyKey()));
    assertEquals(
        java.util.List.of(1, 2, 3),
        tools.invocations().stream().map(ToolInvocation::attempt).toList());
  }

  @Test
  void givesUpAfterMaxAttemptsAndReportsTheLastFailure() {
    ScriptedTools tools = failingTimes(10, true);
    TestProbe<ToolCall.Finished> parent = testKit.createTestProbe();

    testKit.spawn(ToolCall.create(invocation(true, 2), tools, parent.getRef()));

    ToolCall.Finished finished = parent.receiveMessage(Duration.ofSeconds(3));
    assertEquals("http_503", assertInstanceOf(ToolResult.Failure.class, finished.result()).code());
    assertEquals(2, finished.attempts());
  }

  @Test
  void neverRetriesANonIdempotentTool() {
    ScriptedTools tools = failingTimes(1, true);
    TestProbe<ToolCall.Finished> parent = testKit.createTestProbe();

    testKit.spawn(ToolCall.create(invocation(false, 5), tools, parent.getRef()));

    assertInstanceOf(
        ToolResult.Failure.class, parent.receiveMessage(Duration.ofSeconds(3)).result());
    assertEquals(1, tools.invocations().size());
  }

  @Test
  void doesNotRetryAFailureThatCannotSucceedLater() {
    ScriptedTools tools = failingTimes(1, false);
    TestProbe<ToolCall.Finished> parent = testKit.createTestProbe();

    testKit.spawn(ToolCall.create(invocation(true, 5), tools, parent.getRef()));

    parent.receiveMessage(Duration.ofSeconds(3));
    assertEquals(1, tools.invocations().size());
  }
}

package io.statehouse.runtime.tool.builtin;

import static io.statehouse.runtime.testing.Specs.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.catalog.BuiltinTarget;
import io.statehouse.runtime.catalog.RetryPolicy;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.testing.builtin.TestToolProvider;
import io.statehouse.runtime.tool.ToolInvocation;
import io.statehouse.runtime.tool.ToolResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BuiltinToolExecutorTest {
  private final BuiltinToolExecutor executor =
      new BuiltinToolExecutor(BuiltinTools.discover(), 2, 1, 1024);

  @AfterEach
  void stop() {
    executor.close();
  }

  private static ToolSpec spec(String tool, Duration timeout) {
    return ToolSpec.of(
        tool,
        1,
        "",
        json("{\"type\":\"object\"}"),
        false,
        timeout,
        new RetryPolicy(1, Duration.ZERO, Duration.ZERO),
        new BuiltinTarget("testkit", tool));
  }

  private ToolResult run(ToolSpec spec, String input) throws Exception {
    return executor
        .execute(
            new ToolInvocation(
                spec,
                json(input),
                "s1/t1/1/c1",
                2,
                new ToolInvocation.CallContext("acme", "alice", "s1", "helper", "t1", "c1")))
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void providersOnTheClassPathAreFoundByTheServiceLoader() {
    assertEquals(
        List.of("add", "context", "refuse", "slow"),
        BuiltinTools.discover().names().get("testkit"));
  }

  @Test
  void aToolAnswersWithJsonTheModelSees() throws Exception {
    assertEquals(
        new ToolResult.Success("{\"sum\":5}"),
        run(spec("add", Duration.ofSeconds(2)), "{\"a\":2,\"b\":3}"));
  }

  @Test
  void aToolRunsOffTheCallersThreadWithTheCallsContext() throws Exception {
    ToolResult.Success r =
        assertInstanceOf(
            ToolResult.Success.class, run(spec("context", Duration.ofSeconds(2)), "{}"));
    JsonNode ctx = Json.MAPPER.readTree(r.content());
    assertEquals("acme", ctx.path("tenant").asText());
    assertEquals("s1/t1/1/c1", ctx.path("idempotencyKey").asText());
    assertEquals(2, ctx.path("attempt").asInt());
    assertTrue(ctx.path("thread").asText().startsWith("statehouse-builtin-tool-"), ctx.toString());
  }

  @Test
  void aToolPastItsTimeoutMayHaveActed() throws Exception {
    ToolResult.Failure f =
        assertInstanceOf(
            ToolResult.Failure.class, run(spec("slow", Duration.ofMillis(100)), "{\"ms\":1000}"));
    assertEquals("timeout", f.code());
    assertTrue(f.mayHaveActed());
  }

  @Test
  void aToolThatSaysItDidNothingIsAPlainFailure() throws Exception {
    ToolResult.Failure f =
        assertInstanceOf(
            ToolResult.Failure.class, run(spec("refuse", Duration.ofSeconds(1)), "{}"));
    assertEquals("declined", f.code());
    assertFalse(f.mayHaveActed());
  }

  @Test
  void aToolThatIsNotInstalledIsNeverRun() throws Exception {
    ToolSpec missing =
        ToolSpec.of(
            "gone",
            1,
            "",
            json("{\"type\":\"object\"}"),
            false,
            Duration.ofSeconds(1),
            new RetryPolicy(1, Duration.ZERO, Duration.ZERO),
            new BuiltinTarget("elsewhere", "gone"));
    ToolResult.Failure f = assertInstanceOf(ToolResult.Failure.class, run(missing, "{}"));
    assertEquals("builtin_unavailable", f.code());
    assertFalse(f.mayHaveActed());
  }

  @Test
  void aFullPoolRefusesMoreCallsAsNotSent() throws Exception {
    // two threads, a queue of one: the fourth call finds no room
    List<CompletableFuture<ToolResult>> busy =
        List.of(1, 2, 3).stream()
            .map(
                i ->
                    executor
                        .execute(
                            new ToolInvocation(
                                spec("slow", Duration.ofSeconds(5)),
                                json("{\"ms\":500}"),
                                "k" + i,
                                1,
                                new ToolInvocation.CallContext("acme", "a", "s", "h", "t", "c")))
                        .toCompletableFuture())
            .toList();
    ToolResult.Failure f =
        assertInstanceOf(
            ToolResult.Failure.class, run(spec("slow", Duration.ofSeconds(5)), "{\"ms\":1}"));
    assertEquals("builtin_busy", f.code());
    assertFalse(f.mayHaveActed());
    CompletableFuture.allOf(busy.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
  }

  @Test
  void providersWithDuplicateOrUnusableNamesAreRefusedAtStart() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new BuiltinTools(List.of(new TestToolProvider(), new TestToolProvider())));
    ToolProvider dotted =
        new ToolProvider() {
          @Override
          public String name() {
            return "my.provider";
          }

          @Override
          public List<BuiltinTool> tools() {
            return List.of();
          }
        };
    assertThrows(IllegalArgumentException.class, () -> new BuiltinTools(List.of(dotted)));
  }
}

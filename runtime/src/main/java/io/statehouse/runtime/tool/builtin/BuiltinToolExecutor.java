package io.statehouse.runtime.tool.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.statehouse.runtime.Futures;
import io.statehouse.runtime.catalog.BuiltinTarget;
import io.statehouse.runtime.tool.ToolExecutor;
import io.statehouse.runtime.tool.ToolInvocation;
import io.statehouse.runtime.tool.ToolResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs built-in tools ({@link ToolProvider}) on a bounded pool of its own, never on the session's
 * actor thread, each attempt bounded by the tool's timeout. A full pool fails the call as not sent
 * (retryable); a timeout may have acted, as the tool may still be running.
 */
public final class BuiltinToolExecutor implements ToolExecutor, AutoCloseable {
  private final BuiltinTools tools;
  private final ExecutorService pool;
  private final int maxResultBytes;

  public BuiltinToolExecutor(BuiltinTools tools, int threads, int queue, int maxResultBytes) {
    this.tools = tools;
    this.maxResultBytes = maxResultBytes;
    AtomicInteger n = new AtomicInteger();
    this.pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(queue),
            r -> {
              Thread t = new Thread(r, "statehouse-builtin-tool-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** {@code statehouse.tools.builtin} and {@code statehouse.tools.max-result-size}. */
  public static BuiltinToolExecutor fromConfig(Config config, BuiltinTools tools) {
    Config c = config.getConfig("statehouse.tools.builtin");
    return new BuiltinToolExecutor(
        tools,
        c.getInt("threads"),
        c.getInt("queue"),
        (int) config.getMemorySize("statehouse.tools.max-result-size").toBytes());
  }

  public BuiltinTools tools() {
    return tools;
  }

  @Override
  public CompletionStage<ToolResult> execute(ToolInvocation invocation) {
    BuiltinTarget target = invocation.spec().builtin();
    Optional<BuiltinTool> tool = tools.tool(target.provider(), target.tool());
    if (tool.isEmpty()) {
      return CompletableFuture.completedFuture(
          ToolResult.Failure.notSent(
              "builtin_unavailable",
              "tool "
                  + target.tool()
                  + " of provider "
                  + target.provider()
                  + " is not installed on this node",
              false));
    }
    Duration timeout = invocation.spec().timeout();
    ToolInvocation.CallContext c = invocation.context();
    CallContext ctx =
        new CallContext(
            c.tenant(),
            c.subject(),
            c.sessionId(),
            c.agent(),
            c.turnId(),
            c.callId(),
            invocation.idempotencyKey(),
            invocation.attempt(),
            timeout);
    CompletableFuture<JsonNode> answer;
    try {
      answer =
          CompletableFuture.supplyAsync(() -> tool.get().call(invocation.input(), ctx), pool)
              .thenCompose(
                  stage -> stage == null ? CompletableFuture.completedFuture(null) : stage);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(
          ToolResult.Failure.notSent(
              "builtin_busy", "too many built-in tool calls are waiting; try again", true));
    }
    return answer
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((json, error) -> error == null ? fromAnswer(json) : fromError(error, timeout));
  }

  private ToolResult fromAnswer(JsonNode json) {
    String content =
        json == null || json.isNull() ? "" : json.isTextual() ? json.asText() : json.toString();
    if (content.getBytes(StandardCharsets.UTF_8).length > maxResultBytes) {
      return new ToolResult.Failure(
          "result_too_large", "tool result exceeds the cap of " + maxResultBytes + " bytes", false);
    }
    return new ToolResult.Success(content);
  }

  private static ToolResult fromError(Throwable error, Duration timeout) {
    Throwable e = Futures.unwrap(error);
    if (e instanceof TimeoutException) {
      return new ToolResult.Failure("timeout", "no answer within " + timeout, true, true);
    }
    if (e instanceof BuiltinToolException b) {
      return new ToolResult.Failure(b.code(), b.getMessage(), b.retryable(), b.mayHaveActed());
    }
    return new ToolResult.Failure(
        "tool_error", e.getClass().getSimpleName() + ": " + e.getMessage(), false, true);
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}

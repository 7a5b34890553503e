package io.statehouse.runtime.testing.builtin;

import static io.statehouse.runtime.testing.Specs.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.tool.builtin.BuiltinTool;
import io.statehouse.runtime.tool.builtin.BuiltinToolException;
import io.statehouse.runtime.tool.builtin.ToolProvider;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The in-process tools of the tests, found by {@link java.util.ServiceLoader} through {@code
 * META-INF/services} in the test resources (so a test node has them too).
 *
 * <ul>
 *   <li>{@code add} {a, b}: idempotent; {@code {"sum": a + b}}
 *   <li>{@code context} {}: who the call is for, its idempotency key and the thread it ran on
 *   <li>{@code slow} {ms}: answers after that long, blocking its thread
 *   <li>{@code refuse} {}: fails, saying it did nothing
 * </ul>
 */
public final class TestToolProvider implements ToolProvider {
  private static final JsonNode AB =
      json(
          "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},"
              + "\"b\":{\"type\":\"integer\"}},\"required\":[\"a\",\"b\"]}");

  @Override
  public String name() {
    return "testkit";
  }

  @Override
  public List<BuiltinTool> tools() {
    return List.of(
        BuiltinTool.of(
            "add",
            "Adds two integers",
            AB,
            true,
            (in, ctx) ->
                CompletableFuture.completedFuture(
                    Json.object().put("sum", in.path("a").asLong() + in.path("b").asLong()))),
        BuiltinTool.of(
            "context",
            "Who the call is for",
            json("{\"type\":\"object\"}"),
            true,
            (in, ctx) ->
                CompletableFuture.completedFuture(
                    Json.object()
                        .put("tenant", ctx.tenant())
                        .put("session", ctx.sessionId())
                        .put("idempotencyKey", ctx.idempotencyKey())
                        .put("attempt", ctx.attempt())
                        .put("thread", Thread.currentThread().getName()))),
        BuiltinTool.of(
            "slow",
            "Answers late",
            json("{\"type\":\"object\",\"properties\":{\"ms\":{\"type\":\"integer\"}}}"),
            false,
            (in, ctx) -> {
              try {
                Thread.sleep(in.path("ms").asLong());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return CompletableFuture.completedFuture(
                  Json.MAPPER.getNodeFactory().textNode("late"));
            }),
        BuiltinTool.of(
            "refuse",
            "Declines",
            json("{\"type\":\"object\"}"),
            false,
            (in, ctx) -> {
              throw new BuiltinToolException("declined", "nothing was done", false, false);
            }));
  }
}

package io.statehouse.runtime.testing;

import io.statehouse.runtime.tool.ToolExecutor;
import io.statehouse.runtime.tool.ToolInvocation;
import io.statehouse.runtime.tool.ToolResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * An in-process {@link ToolExecutor} for behaviour tests: records every invocation and answers by a
 * per-tool rule. A tool can be held, so its call stays in flight until the test releases it.
 */
public final class ScriptedTools implements ToolExecutor {
  private final List<ToolInvocation> invocations = new CopyOnWriteArrayList<>();
  private final Map<String, Function<ToolInvocation, ToolResult>> rules = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<ToolResult>> held = new ConcurrentHashMap<>();

  /** By default a tool answers {@code {"tool":<name>,"input":<input>}}. */
  @Override
  public CompletionStage<ToolResult> execute(ToolInvocation invocation) {
    invocations.add(invocation);
    String tool = invocation.spec().name();
    if (held.containsKey(tool)) {
      return held.get(tool);
    }
    Function<ToolInvocation, ToolResult> rule = rules.get(tool);
    ToolResult result =
        rule != null
            ? rule.apply(invocation)
            : new ToolResult.Success(
                "{\"tool\":\"" + tool + "\",\"input\":" + invocation.input() + "}");
    return CompletableFuture.completedFuture(result);
  }

  public ScriptedTools answer(String tool, Function<ToolInvocation, ToolResult> rule) {
    rules.put(tool, rule);
    return this;
  }

  /** Calls to {@code tool} never answer until {@link #release}. */
  public ScriptedTools hold(String tool) {
    held.put(tool, new CompletableFuture<>());
    return this;
  }

  public void release(String tool, ToolResult result) {
    CompletableFuture<ToolResult> f = held.remove(tool);
    if (f != null) {
      f.complete(result);
    }
  }

  public List<ToolInvocation> invocations() {
    return List.copyOf(invocations);
  }

  public List<ToolInvocation> invocationsOf(String tool) {
    return invocations.stream().filter(i -> i.spec().name().equals(tool)).toList();
  }
}

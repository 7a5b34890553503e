package io.statehouse.runtime.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.catalog.Limits;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.catalog.RetryPolicy;
import io.statehouse.runtime.catalog.ScriptStep;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.session.SessionSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** Small builders for the specs tests need. */
public final class Specs {
  public static final Principal ALICE = new Principal("acme", "alice", List.of("user"));

  private Specs() {}

  public static JsonNode json(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** A tool taking {@code {"q": string}}, reached at {@code url}. */
  public static ToolSpec tool(String name, boolean idempotent, String url) {
    return new ToolSpec(
        name,
        1,
        "test tool " + name,
        json(
            "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},\"required\":[\"q\"]}"),
        idempotent,
        Duration.ofSeconds(5),
        new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(40)),
        new HttpTarget("POST", url, null));
  }

  public static ToolSpec tool(String name, boolean idempotent) {
    return tool(name, idempotent, "http://127.0.0.1:1/" + name);
  }

  public static ScriptStep text(String text) {
    return new ScriptStep(text, List.of());
  }

  public static ScriptStep calls(ScriptStep.Call... calls) {
    return new ScriptStep(null, Arrays.asList(calls));
  }

  public static ScriptStep.Call call(String tool, String inputJson) {
    return new ScriptStep.Call(tool, json(inputJson));
  }

  public static AgentSpec agent(
      List<String> tools, int maxSteps, boolean loop, ScriptStep... script) {
    return agent(tools, maxSteps, loop, null, script);
  }

  public static AgentSpec agent(
      List<String> tools, int maxSteps, boolean loop, Long latencyMs, ScriptStep... script) {
    return new AgentSpec(
        "helper",
        1,
        "test agent",
        "Be helpful.",
        new ModelSpec("scripted", null, latencyMs, loop, Arrays.asList(script)),
        tools,
        new Limits(maxSteps, 0, null));
  }

  /**
   * Session settings for behaviour tests: fast model retries and journal backoff, passivation out
   * of the way.
   */
  public static SessionSettings sessionSettings() {
    return new SessionSettings(
        100,
        2,
        Duration.ofMinutes(2),
        Duration.ofSeconds(5),
        2,
        Duration.ofMillis(10),
        Duration.ofMillis(50),
        Duration.ofSeconds(1));
  }
}

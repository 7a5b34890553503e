package io.statehouse.api.dto;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.statehouse.api.dto.Requests.AgentDefinition;
import io.statehouse.api.dto.Requests.HttpDefinition;
import io.statehouse.api.dto.Requests.LimitsDefinition;
import io.statehouse.api.dto.Requests.ModelDefinition;
import io.statehouse.api.dto.Requests.ScriptStepDefinition;
import io.statehouse.api.dto.Requests.ScriptedCallDefinition;
import io.statehouse.api.dto.Requests.ToolDefinition;
import io.statehouse.api.http.ApiError;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.catalog.Limits;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.catalog.RetryPolicy;
import io.statehouse.runtime.catalog.ScriptStep;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.scripted.ScriptedModelClient;
import io.statehouse.runtime.tool.ArgumentValidator;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns tool and agent definitions into runtime specs, checking everything a client can get wrong
 * and reporting all problems at once. Defaults come from {@code statehouse.agents}.
 */
public final class Definitions {
  /**
   * Names the model providers accept for tools (Bedrock allows no dots) and that fit in a URL path.
   */
  public static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

  private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");
  private static final Duration MAX_TOOL_TIMEOUT = Duration.ofMinutes(10);
  private static final long MAX_LATENCY_MS = 600_000;

  private final Limits defaultLimits;
  private final Duration defaultTimeout;
  private final RetryPolicy defaultRetry;
  private final Set<String> providers;

  public Definitions(Config config, Set<String> providers) {
    Config agents = config.getConfig("statehouse.agents");
    Config limits = agents.getConfig("default-limits");
    this.defaultLimits =
        new Limits(
            limits.getInt("max-steps-per-turn"),
            limits.getLong("max-tokens-per-session"),
            limits.getIsNull("max-cost-usd")
                ? null
                : new BigDecimal(limits.getString("max-cost-usd")));
    this.defaultTimeout = agents.getDuration("default-tool-timeout");
    Config retry = agents.getConfig("default-retry");
    this.defaultRetry =
        new RetryPolicy(
            retry.getInt("max-attempts"),
            retry.getDuration("backoff"),
            retry.getDuration("max-backoff"));
    this.providers = Set.copyOf(providers);
  }

  public static void checkName(String kind, String name) {
    if (!NAME.matcher(name).matches()) {
      throw ApiError.badRequest(
          kind
              + " name '"
              + name
              + "' must start with a letter and use only letters, digits, _ and - (at most 64)");
    }
  }

  public ToolSpec tool(String name, ToolDefinition d) {
    checkName("tool", name);
    List<String> problems = new ArrayList<>();
    if (d.name() != null && !d.name().equals(name)) {
      problems.add("name '" + d.name() + "' in the body differs from '" + name + "' in the path");
    }
    if (d.inputSchema() == null) {
      problems.add("inputSchema is required (a JSON Schema of the tool's input)");
    } else {
      ArgumentValidator.schemaProblems(d.inputSchema())
          .forEach(p -> problems.add("inputSchema: " + p));
      if (!"object".equals(d.inputSchema().path("type").asText())) {
        problems.add("inputSchema must describe an object (\"type\": \"object\")");
      }
    }
    Duration timeout = duration("timeout", d.timeout(), defaultTimeout, problems);
    if (timeout != null && (timeout.isZero() || timeout.compareTo(MAX_TOOL_TIMEOUT) > 0)) {
      problems.add("timeout must be more than 0 and at most 10m");
    }
    RetryPolicy retry = retry(d.retry(), problems);
    HttpTarget http = null;
    if (d.mcp() != null) {
      problems.add("mcp tools are not supported by this version; use http");
    } else if (d.http() == null) {
      problems.add("http is required: {\"method\": \"POST\", \"url\": \"https://…\"}");
    } else {
      http = http(d.http(), problems);
    }
    fail(problems);
    return new ToolSpec(
        name,
        0,
        d.description(),
        d.inputSchema(),
        Boolean.TRUE.equals(d.idempotent()),
        timeout,
        retry,
        http);
  }

  private RetryPolicy retry(Requests.RetryDefinition r, List<String> problems) {
    if (r == null) {
      return defaultRetry;
    }
    int attempts = r.maxAttempts() == null ? defaultRetry.maxAttempts() : r.maxAttempts();
    if (attempts < 1 || attempts > 10) {
      problems.add("retry.maxAttempts must be between 1 and 10");
      return defaultRetry;
    }
    Duration backoff = duration("retry.backoff", r.backoff(), defaultRetry.backoff(), problems);
    Duration max =
        duration("retry.maxBackoff", r.maxBackoff(), defaultRetry.maxBackoff(), problems);
    if (backoff == null || max == null) {
      return defaultRetry;
    }
    return new RetryPolicy(attempts, backoff, max);
  }

  private static HttpTarget http(HttpDefinition h, List<String> problems) {
    String method = h.method() == null ? "POST" : h.method().toUpperCase(Locale.ROOT);
    if (!METHODS.contains(method)) {
      problems.add("http.method must be one of " + METHODS);
    }
    URI uri = null;
    try {
      uri = h.url() == null ? null : URI.create(h.url());
    } catch (IllegalArgumentException e) {
      problems.add("http.url is not a URL: " + e.getMessage());
    }
    if (h.url() == null) {
      problems.add("http.url is required");
    } else if (uri != null
        && (uri.getScheme() == null
            || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
            || uri.getHost() == null)) {
      problems.add("http.url must be an absolute http or https URL");
    }
    Map<String, String> headers = h.headers() == null ? Map.of() : h.headers();
    for (String header : headers.keySet()) {
      String lower = header.toLowerCase(Locale.ROOT);
      if (lower.equals("idempotency-key")
          || lower.startsWith("x-statehouse-")
          || lower.equals("content-type")
          || lower.equals("content-length")
          || lower.equals("host")) {
        problems.add("http.headers may not set " + header + ": the runtime sets it");
      } else if (!header.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
        problems.add("http.headers: '" + header + "' is not a valid header name");
      }
    }
    return new HttpTarget(method, h.url() == null ? "" : h.url(), headers);
  }

  /**
   * Checks an agent; whether its tools exist is checked by the catalog, atomically with the write.
   */
  public AgentSpec agent(String name, AgentDefinition d) {
    checkName("agent", name);
    List<String> problems = new ArrayList<>();
    if (d.name() != null && !d.name().equals(name)) {
      problems.add("name '" + d.name() + "' in the body differs from '" + name + "' in the path");
    }
    ModelSpec model = d.model() == null ? null : model(d.model(), problems);
    if (d.model() == null) {
      problems.add(
          "model is required, e.g. {\"provider\": \"scripted\", \"script\": [{\"text\": \"Hello\"}]}");
    }
    List<String> tools = d.tools() == null ? List.of() : d.tools();
    Set<String> unique = new LinkedHashSet<>();
    for (String tool : tools) {
      if (tool == null || !NAME.matcher(tool).matches()) {
        problems.add("tools: '" + tool + "' is not a tool name");
      } else if (!unique.add(tool)) {
        problems.add("tools: '" + tool + "' is listed twice");
      }
    }
    if (d.policies() != null && !d.policies().isEmpty()) {
      problems.add("policies are not supported by this version; leave the list empty");
    }
    Limits limits = limits(d.limits(), problems);
    fail(problems);
    return new AgentSpec(
        name, 0, d.description(), d.instructions(), model, List.copyOf(unique), limits);
  }

  private ModelSpec model(ModelDefinition m, List<String> problems) {
    if (m.provider() == null) {
      problems.add("model.provider is required; this node has " + providers);
      return null;
    }
    if (!providers.contains(m.provider())) {
      problems.add(
          "model.provider '"
              + m.provider()
              + "' is not available on this node; it has "
              + providers);
      return null;
    }
    if (m.latencyMs() != null && (m.latencyMs() < 0 || m.latencyMs() > MAX_LATENCY_MS)) {
      problems.add("model.latencyMs must be between 0 and " + MAX_LATENCY_MS);
    }
    List<ScriptStep> script = new ArrayList<>();
    if (m.provider().equals(ScriptedModelClient.PROVIDER)) {
      if (m.script() == null || m.script().isEmpty()) {
        problems.add(
            "model.script is required for the scripted provider: a list of {text} or {toolCalls} steps");
      } else {
        for (int i = 0; i < m.script().size(); i++) {
          script.add(step(i, m.script().get(i), problems));
        }
      }
    } else if (m.script() != null || m.latencyMs() != null || m.loop() != null) {
      problems.add(
          "model.script, model.latencyMs and model.loop apply to the scripted provider only");
    }
    return new ModelSpec(
        m.provider(), m.id(), m.latencyMs(), Boolean.TRUE.equals(m.loop()), script);
  }

  private static ScriptStep step(int i, ScriptStepDefinition s, List<String> problems) {
    String at = "model.script[" + i + "]";
    if (s == null) {
      problems.add(at + " is empty");
      return new ScriptStep(null, List.of());
    }
    List<ScriptStep.Call> calls = new ArrayList<>();
    if (s.toolCalls() != null) {
      for (int j = 0; j < s.toolCalls().size(); j++) {
        ScriptedCallDefinition c = s.toolCalls().get(j);
        if (c == null || c.name() == null || c.name().isBlank()) {
          problems.add(at + ".toolCalls[" + j + "].name is required");
          continue;
        }
        JsonNode input = c.input() == null ? Json.object() : c.input();
        if (!input.isObject()) {
          problems.add(at + ".toolCalls[" + j + "].input must be an object");
        }
        calls.add(new ScriptStep.Call(c.name(), input));
      }
    }
    if ((s.text() == null || s.text().isEmpty()) && calls.isEmpty()) {
      problems.add(at + " needs text or toolCalls");
    }
    return new ScriptStep(s.text(), calls);
  }

  private Limits limits(LimitsDefinition l, List<String> problems) {
    if (l == null) {
      return defaultLimits;
    }
    int steps = l.maxStepsPerTurn() == null ? defaultLimits.maxStepsPerTurn() : l.maxStepsPerTurn();
    long tokens =
        l.maxTokensPerSession() == null
            ? defaultLimits.maxTokensPerSession()
            : l.maxTokensPerSession();
    BigDecimal cost = l.maxCostUsd() == null ? defaultLimits.maxCostUsd() : l.maxCostUsd();
    boolean ok = true;
    if (steps < 1 || steps > 1000) {
      problems.add("limits.maxStepsPerTurn must be between 1 and 1000");
      ok = false;
    }
    if (tokens < 0) {
      problems.add("limits.maxTokensPerSession must not be negative (0 means no bound)");
      ok = false;
    }
    if (cost != null && cost.signum() < 0) {
      problems.add("limits.maxCostUsd must not be negative");
      ok = false;
    }
    return ok ? new Limits(steps, tokens, cost) : defaultLimits;
  }

  private static Duration duration(
      String field, String text, Duration fallback, List<String> problems) {
    if (text == null) {
      return fallback;
    }
    Duration d = Durations.parse(text);
    if (d == null || d.isNegative()) {
      problems.add(field + " '" + text + "' is not a duration like 500ms, 10s or 2m");
      return fallback;
    }
    return d;
  }

  private static void fail(List<String> problems) {
    if (!problems.isEmpty()) {
      throw ApiError.badRequest(String.join("; ", problems));
    }
  }
}

package io.statehouse.api.dto;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/** Request bodies of the API, exactly as clients send them. Validated by {@link Definitions}. */
public final class Requests {
  private Requests() {}

  /**
   * {@code PUT /v1/tools/{name}}: an HTTP tool ({@code http}) or an in-process one ({@code
   * builtin}). MCP tools come from {@code PUT /v1/mcp-servers/{name}}; {@code mcp} is refused with
   * a pointer there.
   */
  public record ToolDefinition(
      String name,
      String description,
      JsonNode inputSchema,
      Boolean idempotent,
      String timeout,
      RetryDefinition retry,
      HttpDefinition http,
      JsonNode mcp,
      BuiltinDefinition builtin) {
    public ToolDefinition(
        String name,
        String description,
        JsonNode inputSchema,
        Boolean idempotent,
        String timeout,
        RetryDefinition retry,
        HttpDefinition http,
        JsonNode mcp) {
      this(name, description, inputSchema, idempotent, timeout, retry, http, mcp, null);
    }
  }

  /** A tool of a {@code ToolProvider} installed on the node. */
  public record BuiltinDefinition(String provider, String tool) {}

  /**
   * {@code PUT /v1/mcp-servers/{name}}: {@code stdio} or {@code http}; {@code timeout} and {@code
   * retry} for its tools' calls; {@code toolOptions} by the tool's name on the server.
   */
  public record McpServerDefinition(
      String name,
      String description,
      McpStdioDefinition stdio,
      McpHttpDefinition http,
      String timeout,
      RetryDefinition retry,
      Map<String, McpToolOptionsDefinition> toolOptions) {}

  /**
   * {@code command}: a name the operator lists in {@code statehouse.mcp.stdio.commands}; {@code
   * env} values are strings or {@code {"secret": "NAME"}}.
   */
  public record McpStdioDefinition(String command, List<String> args, Map<String, JsonNode> env) {}

  /** {@code headers} values are strings or {@code {"secret": "NAME"}}. */
  public record McpHttpDefinition(String url, Map<String, JsonNode> headers) {}

  public record McpToolOptionsDefinition(Boolean idempotent, String timeout) {}

  public record RetryDefinition(Integer maxAttempts, String backoff, String maxBackoff) {}

  /**
   * {@code headers}: a string for a literal value, {@code {"secret": "NAME"}} for a secret of the
   * tenant resolved at call time; credential-like headers must use the latter.
   */
  public record HttpDefinition(
      String method, String url, Map<String, JsonNode> headers, List<Integer> notApplied) {
    public HttpDefinition(String method, String url, Map<String, JsonNode> headers) {
      this(method, url, headers, null);
    }
  }

  /** {@code PUT /v1/agents/{name}}. */
  public record AgentDefinition(
      String name,
      String description,
      String instructions,
      ModelDefinition model,
      List<String> tools,
      List<JsonNode> policies,
      JsonNode guardrails,
      LimitsDefinition limits,
      String multitask) {

    /** Without {@code multitask} (reject). */
    public AgentDefinition(
        String name,
        String description,
        String instructions,
        ModelDefinition model,
        List<String> tools,
        List<JsonNode> policies,
        JsonNode guardrails,
        LimitsDefinition limits) {
      this(name, description, instructions, model, tools, policies, guardrails, limits, null);
    }
  }

  /**
   * {@code options}: every other field of {@code model}, which the provider's package reads and
   * checks (e.g. bedrock's {@code region}, {@code maxTokens}, {@code guardrail}).
   */
  public record ModelDefinition(
      String provider,
      String id,
      Long latencyMs,
      Boolean loop,
      List<ScriptStepDefinition> script,
      @JsonAnySetter Map<String, JsonNode> options) {}

  public record ScriptStepDefinition(String text, List<ScriptedCallDefinition> toolCalls) {}

  public record ScriptedCallDefinition(String name, JsonNode input) {}

  public record LimitsDefinition(
      Integer maxStepsPerTurn,
      Long maxTokensPerSession,
      BigDecimal maxCostUsd,
      Long maxTokensPerTurn) {}

  /** {@code POST /v1/sessions}. */
  public record CreateSession(String agent, Map<String, String> metadata) {}

  /** {@code POST /v1/teams/{name}/runs}: the input the team's entry role gets. */
  public record StartRun(String input) {}

  /** {@code POST /v1/sessions/{id}/messages}. */
  public record SendMessage(String content, String idempotencyKey) {}

  /**
   * {@code POST /v1/sessions/{id}/approvals/{approvalId}}: {@code approve} or {@code deny} an
   * approval; {@code retry} or {@code record} an unknown outcome ({@code outcome} {@code succeeded}
   * with {@code output}, or {@code failed}).
   */
  public record Decision(String decision, String reason, String outcome, String output) {}
}

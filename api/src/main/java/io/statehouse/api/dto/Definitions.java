package io.statehouse.api.dto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.statehouse.api.dto.Requests.AgentDefinition;
import io.statehouse.api.dto.Requests.HttpDefinition;
import io.statehouse.api.dto.Requests.LimitsDefinition;
import io.statehouse.api.dto.Requests.ModelDefinition;
import io.statehouse.api.dto.Requests.ScriptStepDefinition;
import io.statehouse.api.dto.Requests.ScriptedCallDefinition;
import io.statehouse.api.dto.Requests.ToolDefinition;
import io.statehouse.api.http.ApiError;
import io.statehouse.runtime.Role;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.BuiltinTarget;
import io.statehouse.runtime.catalog.HeaderValue;
import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.catalog.Limits;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.catalog.Multitask;
import io.statehouse.runtime.catalog.RetryPolicy;
import io.statehouse.runtime.catalog.ScriptStep;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.catalog.ToolTarget;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.Prices;
import io.statehouse.runtime.model.bedrock.BedrockOptions;
import io.statehouse.runtime.model.openai.OpenAiOptions;
import io.statehouse.runtime.model.openai.OpenAiSettings;
import io.statehouse.runtime.model.scripted.ScriptedModelClient;
import io.statehouse.runtime.policy.CelPolicyEngine;
import io.statehouse.runtime.policy.PolicyEffect;
import io.statehouse.runtime.policy.PolicyEngine;
import io.statehouse.runtime.policy.PolicyRule;
import io.statehouse.runtime.policy.PolicySettings;
import io.statehouse.runtime.policy.guardrail.GuardrailSettings;
import io.statehouse.runtime.policy.guardrail.GuardrailSpec;
import io.statehouse.runtime.secret.SecretResolver;
import io.statehouse.runtime.tool.ArgumentValidator;
import io.statehouse.runtime.tool.builtin.BuiltinTool;
import io.statehouse.runtime.tool.builtin.BuiltinTools;
import io.statehouse.runtime.tool.egress.EgressPolicy;
import io.statehouse.runtime.tool.egress.NodePorts;
import io.statehouse.runtime.workspace.WorkspaceTools;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
  static final Duration MAX_TOOL_TIMEOUT = Duration.ofMinutes(10);
  private static final long MAX_LATENCY_MS = 600_000;

  private final Limits defaultLimits;
  private final Duration defaultTimeout;
  private final RetryPolicy defaultRetry;
  private final Set<String> providers;
  private final Prices prices;
  private final OpenAiSettings openAi;
  private final PolicyEngine policyEngine;
  private final GuardrailSettings guardrailSettings;
  private final EgressPolicy egress;
  private final SecretResolver secrets;
  private BuiltinTools builtins = BuiltinTools.none();

  private static final int MAX_POLICIES = 100;

  public Definitions(Config config, Set<String> providers) {
    this(config, providers, new CelPolicyEngine(PolicySettings.fromConfig(config)));
  }

  public Definitions(Config config, Set<String> providers, PolicyEngine policyEngine) {
    this.policyEngine = policyEngine;
    this.guardrailSettings = GuardrailSettings.fromConfig(config);
    // the node's own ports are left to call time (a port configured as 0 is not known yet)
    this.egress = EgressPolicy.fromConfig(config, NodePorts.none());
    this.secrets = SecretResolver.fromConfig(config);
    Config agents = config.getConfig("statehouse.agents");
    Config limits = agents.getConfig("default-limits");
    this.defaultLimits =
        new Limits(
            limits.getInt("max-steps-per-turn"),
            limits.getLong("max-tokens-per-session"),
            limits.getIsNull("max-cost-usd")
                ? null
                : new BigDecimal(limits.getString("max-cost-usd")),
            limits.getLong("max-tokens-per-turn"));
    this.prices = Prices.fromConfig(config);
    this.openAi = OpenAiSettings.fromConfig(config);
    this.defaultTimeout = agents.getDuration("default-tool-timeout");
    Config retry = agents.getConfig("default-retry");
    this.defaultRetry =
        new RetryPolicy(
            retry.getInt("max-attempts"),
            retry.getDuration("backoff"),
            retry.getDuration("max-backoff"));
    this.providers = Set.copyOf(providers);
  }

  /**
   * The in-process tools of this node, which {@code builtin} definitions may name. Call once, at
   * wiring; without it no built-in tool can be registered.
   */
  public Definitions withBuiltins(BuiltinTools tools) {
    this.builtins = tools;
    return this;
  }

  /** The node's default timeout of a tool call. */
  Duration defaultTimeout() {
    return defaultTimeout;
  }

  EgressPolicy egress() {
    return egress;
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

  /**
   * Checks a tool {@code tenant} registers: its URL against the tenant's egress policy (what is
   * certain to be refused) and its secret references against the tenant's secrets.
   */
  public ToolSpec tool(String tenant, String name, ToolDefinition d) {
    checkName("tool", name);
    if (WorkspaceTools.names().contains(name)) {
      // a team member's session would run the built-in tool of that name, not this one
      throw ApiError.badRequest(
          "tool name '" + name + "' is reserved: the runtime gives it to team members");
    }
    List<String> problems = new ArrayList<>();
    if (d.name() != null && !d.name().equals(name)) {
      problems.add("name '" + d.name() + "' in the body differs from '" + name + "' in the path");
    }
    if (d.inputSchema() == null && d.builtin() == null) {
      problems.add("inputSchema is required (a JSON Schema of the tool's input)");
    } else if (d.inputSchema() != null) {
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
    ToolTarget target = null;
    if (d.mcp() != null) {
      problems.add(
          "mcp: register the MCP server with PUT /v1/mcp-servers/{name}; agents then name its"
              + " tools as <server>__<tool> (GET /v1/mcp-servers/{name}/tools lists them)");
    } else if (d.builtin() != null && d.http() != null) {
      problems.add("a tool is http or builtin, not both");
    } else if (d.builtin() != null) {
      return builtin(name, d, timeout, retry, problems);
    } else if (d.http() == null) {
      problems.add("http is required: {\"method\": \"POST\", \"url\": \"https://…\"}");
    } else {
      target = http(tenant, d.http(), problems);
    }
    fail(problems);
    return ToolSpec.of(
        name,
        0,
        d.description(),
        d.inputSchema(),
        Boolean.TRUE.equals(d.idempotent()),
        timeout,
        retry,
        target);
  }

  /**
   * A built-in tool: provider and tool must be installed on this node. The schema, description and
   * idempotency are the provider's unless the definition gives them; a definition may not call
   * idempotent what the provider does not.
   */
  private ToolSpec builtin(
      String name, ToolDefinition d, Duration timeout, RetryPolicy retry, List<String> problems) {
    Requests.BuiltinDefinition b = d.builtin();
    Optional<BuiltinTool> tool =
        b.provider() == null || b.tool() == null
            ? Optional.empty()
            : builtins.tool(b.provider(), b.tool());
    if (tool.isEmpty()) {
      problems.add(
          "builtin: no tool '"
              + b.tool()
              + "' of provider '"
              + b.provider()
              + "' on this node; it has "
              + builtins.names());
    } else if (Boolean.TRUE.equals(d.idempotent()) && !tool.get().idempotent()) {
      problems.add(
          "idempotent: provider " + b.provider() + " does not declare " + b.tool() + " idempotent");
    }
    fail(problems);
    BuiltinTool t = tool.orElseThrow();
    // the schema checks in tool() ran on d.inputSchema() only when given; the provider's is checked
    // when the node starts
    return ToolSpec.of(
        name,
        0,
        d.description() != null ? d.description() : t.description(),
        d.inputSchema() != null ? d.inputSchema() : t.inputSchema(),
        d.idempotent() != null ? d.idempotent() : t.idempotent(),
        timeout,
        retry,
        new BuiltinTarget(b.provider(), b.tool()));
  }

  RetryPolicy retry(Requests.RetryDefinition r, List<String> problems) {
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

  /** Query parameters that carry credentials by name (compared lower-case, '-' read as '_'). */
  private static final Set<String> CREDENTIAL_PARAMETERS =
      Set.of(
          "key",
          "api_key",
          "apikey",
          "token",
          "access_token",
          "auth",
          "authorization",
          "secret",
          "client_secret",
          "password",
          "passwd",
          "pwd",
          "sig",
          "signature",
          "x_api_key",
          "session",
          "sessionid",
          "jwt",
          "bearer");

  /**
   * Checks {@code url}, an endpoint a tenant registers ({@code http.url}): present, an absolute
   * http or https URL without credentials, and not refused by the tenant's egress rules.
   */
  void checkUrl(String tenant, String url, List<String> problems) {
    URI uri = null;
    try {
      uri = url == null ? null : URI.create(url);
    } catch (IllegalArgumentException e) {
      problems.add("http.url is not a URL: " + e.getMessage());
    }
    if (url == null) {
      problems.add("http.url is required");
    } else if (uri != null
        && (uri.getScheme() == null
            || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
            || uri.getHost() == null)) {
      problems.add("http.url must be an absolute http or https URL");
    } else if (uri != null) {
      credentialsIn(uri).ifPresent(problems::add);
      egress.refusalAtRegistration(tenant, uri).ifPresent(why -> problems.add("http.url: " + why));
    }
  }

  /**
   * The headers a tenant registers ({@code http.headers}), each a literal or a secret reference: a
   * name {@code reserved} says {@code setBy} sets is refused, as is one that is not a header name.
   */
  Map<String, HeaderValue> headers(
      String tenant,
      Map<String, JsonNode> raw,
      java.util.function.Predicate<String> reserved,
      String setBy,
      List<String> problems) {
    Map<String, HeaderValue> headers = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e :
        (raw == null ? Map.<String, JsonNode>of() : raw).entrySet()) {
      String header = e.getKey();
      if (reserved.test(header.toLowerCase(Locale.ROOT))) {
        problems.add("http.headers may not set " + header + ": " + setBy + " sets it");
      } else if (!header.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
        problems.add("http.headers: '" + header + "' is not a valid header name");
      } else {
        HeaderValue value = value(tenant, "http.headers." + header, header, e.getValue(), problems);
        if (value != null) {
          headers.put(header, value);
        }
      }
    }
    return headers;
  }

  /**
   * A URL is stored with the tool and shown in every view of it and of its sessions' events, so it
   * may not carry a credential: user info, or a query parameter named like one. The message names
   * the parameter, never its value.
   */
  static Optional<String> credentialsIn(URI uri) {
    if (uri.getRawUserInfo() != null) {
      return Optional.of(
          "http.url may not carry user info (user:password@): send credentials in a header whose"
              + " value is a secret reference, {\"secret\": \"NAME\"}");
    }
    String query = uri.getRawQuery();
    if (query == null) {
      return Optional.empty();
    }
    for (String pair : query.split("&")) {
      String raw = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
      String name;
      try {
        name = java.net.URLDecoder.decode(raw, java.nio.charset.StandardCharsets.UTF_8);
      } catch (IllegalArgumentException malformed) {
        name = raw;
      }
      name = name.toLowerCase(Locale.ROOT).replace('-', '_');
      if (CREDENTIAL_PARAMETERS.contains(name)) {
        return Optional.of(
            "http.url may not carry a credential in its query ('"
                + name
                + "'): URLs are stored and shown with the tool; send it in a header whose value"
                + " is a secret reference, {\"secret\": \"NAME\"}");
      }
    }
    return Optional.empty();
  }

  /**
   * The statuses a tool documents as "not applied". Only 4xx: a 5xx, a 3xx or a timeout proves
   * nothing about what the tool did. 408 (Request Timeout) is refused too: a server may send it
   * after it began the work.
   */
  private static Set<Integer> notApplied(List<Integer> statuses, List<String> problems) {
    if (statuses == null) {
      return Set.of();
    }
    Set<Integer> kept = new java.util.TreeSet<>();
    for (Integer status : statuses) {
      if (status == null || status < 400 || status > 499) {
        problems.add(
            "http.notApplied lists only 4xx statuses the tool documents as \"not applied\"; "
                + status
                + " proves nothing about what the tool did");
      } else if (status == 408) {
        problems.add(
            "http.notApplied may not list 408: a server can answer it after it began the work");
      } else {
        kept.add(status);
      }
    }
    return kept;
  }

  private HttpTarget http(String tenant, HttpDefinition h, List<String> problems) {
    String method = h.method() == null ? "POST" : h.method().toUpperCase(Locale.ROOT);
    if (!METHODS.contains(method)) {
      problems.add("http.method must be one of " + METHODS);
    }
    checkUrl(tenant, h.url(), problems);
    Map<String, HeaderValue> headers =
        headers(
            tenant,
            h.headers(),
            lower ->
                lower.equals("idempotency-key")
                    || lower.startsWith("x-statehouse-")
                    || lower.equals("content-type")
                    || lower.equals("content-length")
                    || lower.equals("host"),
            "the runtime",
            problems);
    return new HttpTarget(
        method, h.url() == null ? "" : h.url(), headers, notApplied(h.notApplied(), problems));
  }

  /**
   * A header's (or a stdio server's environment variable's) value: a literal (refused under a
   * credential-like name) or {@code {"secret": "NAME"}} naming a secret the tenant has. No problem
   * message ever includes a value.
   *
   * @param at where it is, for messages: {@code http.headers.X-Region}
   */
  HeaderValue value(String tenant, String at, String header, JsonNode v, List<String> problems) {
    if (v != null && v.isObject()) {
      JsonNode name = v.get("secret");
      if (v.size() != 1 || name == null || !name.isTextual()) {
        problems.add(at + " must be a string or {\"secret\": \"NAME\"}");
      } else if (!HeaderValue.SECRET_NAME.matcher(name.asText()).matches()) {
        problems.add(at + ": a secret name matches " + HeaderValue.SECRET_NAME.pattern());
      } else if (!secrets.defines(tenant, name.asText())) {
        problems.add("secret " + name.asText() + " is not defined for tenant " + tenant);
      } else {
        return new HeaderValue.SecretRef(name.asText());
      }
      return null;
    }
    if (v == null || v.isNull() || !v.isValueNode()) {
      problems.add(at + " must be a string or {\"secret\": \"NAME\"}");
      return null;
    }
    if (HeaderValue.credentialLike(header)) {
      problems.add(at + " carries a credential: register it as {\"secret\": \"NAME\"}");
      return null;
    }
    String text = v.asText();
    if (!text.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c != 0x7f))) {
      problems.add(at + " has control characters, which are not allowed");
      return null;
    }
    return new HeaderValue.Literal(text);
  }

  /**
   * Checks an agent; whether its tools exist is checked by the catalog, atomically with the write.
   */
  public AgentSpec agent(String name, AgentDefinition d) {
    return agent(null, name, d);
  }

  /**
   * As {@link #agent(String, AgentDefinition)} for {@code tenant}: a model server the agent names
   * (an OpenAI-compatible {@code baseUrl}) is also checked against the tenant's egress rules, so a
   * refused address is a 400 now rather than a failed call later. Null: no tenant to check for.
   */
  public AgentSpec agent(String tenant, String name, AgentDefinition d) {
    checkName("agent", name);
    List<String> problems = new ArrayList<>();
    if (d.name() != null && !d.name().equals(name)) {
      problems.add("name '" + d.name() + "' in the body differs from '" + name + "' in the path");
    }
    ModelSpec model = d.model() == null ? null : model(d.model(), problems);
    if (tenant != null && model != null && model.provider().equals(OpenAiOptions.PROVIDER)) {
      OpenAiOptions.parse(model, openAi)
          .options()
          .flatMap(o -> egress.refusalAtRegistration(tenant, o.baseUrl()))
          .ifPresent(why -> problems.add("model.baseUrl: " + why));
    }
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
    List<PolicyRule> policies = policies(d.policies(), problems);
    if (problems.isEmpty()) {
      problems.addAll(policyEngine.check(policies, unique));
    }
    GuardrailSpec guardrails = guardrails(d.guardrails(), problems);
    Limits limits = limits(d.limits(), problems);
    if (model != null && limits.maxCostUsd() != null && prices.of(model).isEmpty()) {
      problems.add(
          "limits.maxCostUsd needs a price for "
              + model.provider()
              + " model "
              + model.id()
              + ", and this node has none: add it under statehouse.models.prices (docs/models.md,"
              + " Pricing)");
    }
    Multitask multitask = null;
    if (d.multitask() != null) {
      multitask = Multitask.fromWire(d.multitask()).orElse(null);
      if (multitask == null) {
        problems.add(
            "multitask must be one of "
                + Arrays.stream(Multitask.values()).map(Multitask::wire).toList()
                + " (what a message sent during a running turn does)");
      }
    }
    fail(problems);
    return new AgentSpec(
        name,
        0,
        d.description(),
        d.instructions(),
        model,
        List.copyOf(unique),
        limits,
        policies,
        guardrails,
        multitask);
  }

  private static final Set<String> POLICY_FIELDS =
      Set.of("tool", "when", "effect", "approvers", "reason", "expiresAfter");

  /**
   * Reads {@code policies: [{tool, when, effect, approvers, reason, expiresAfter}]}; the CEL in
   * {@code when} is compiled and checked by the policy engine afterwards.
   */
  private static List<PolicyRule> policies(List<JsonNode> raw, List<String> problems) {
    List<PolicyRule> rules = new ArrayList<>();
    if (raw == null) {
      return rules;
    }
    if (raw.size() > MAX_POLICIES) {
      problems.add("policies: at most " + MAX_POLICIES + " rules");
      return rules;
    }
    for (int i = 0; i < raw.size(); i++) {
      JsonNode n = raw.get(i);
      String at = "policies[" + i + "]";
      if (n == null || !n.isObject()) {
        problems.add(at + " must be an object {tool, when, effect, approvers, reason}");
        continue;
      }
      n.fieldNames()
          .forEachRemaining(
              f -> {
                if (!POLICY_FIELDS.contains(f)) {
                  problems.add(at + ": unknown field '" + f + "'; fields are " + POLICY_FIELDS);
                }
              });
      String tool = text(n, "tool", at, problems);
      String when = text(n, "when", at, problems);
      String effectText = text(n, "effect", at, problems);
      String reason = text(n, "reason", at, problems);
      PolicyEffect effect = null;
      if (effectText == null) {
        problems.add(at + ".effect is required: allow, deny or require_approval");
      } else {
        try {
          effect = PolicyEffect.fromWire(effectText);
        } catch (IllegalArgumentException e) {
          problems.add(at + ".effect '" + effectText + "' must be allow, deny or require_approval");
        }
      }
      if (tool == null) {
        problems.add(at + ".tool is required: a tool name of the agent, or *");
      }
      List<String> approvers = new ArrayList<>();
      JsonNode a = n.get("approvers");
      if (a != null && !a.isNull()) {
        if (!a.isArray()) {
          problems.add(at + ".approvers must be a list of roles");
        } else {
          a.forEach(r -> approvers.add(r.isTextual() ? r.asText() : r.toString()));
          for (String role : approvers) {
            if (Role.fromWire(role).isEmpty()) {
              problems.add(
                  at + ".approvers: '" + role + "' is not a role; roles are " + Role.wireNames());
            }
          }
        }
      }
      Duration expiresAfter = null;
      String expires = text(n, "expiresAfter", at, problems);
      if (expires != null) {
        try {
          expiresAfter = Durations.parse(expires);
        } catch (IllegalArgumentException e) {
          problems.add(at + ".expiresAfter: " + e.getMessage());
        }
      }
      if (reason != null && reason.length() > 500) {
        problems.add(at + ".reason is at most 500 characters");
      }
      rules.add(new PolicyRule(tool, when, effect, approvers, reason, expiresAfter));
    }
    return rules;
  }

  private static String text(JsonNode n, String field, String at, List<String> problems) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      problems.add(at + "." + field + " must be a string");
      return null;
    }
    return v.asText();
  }

  private GuardrailSpec guardrails(JsonNode raw, List<String> problems) {
    if (raw == null || raw.isNull()) {
      return null;
    }
    GuardrailSpec spec;
    try {
      spec = Json.MAPPER.treeToValue(raw, GuardrailSpec.class);
    } catch (Exception e) {
      problems.add(
          "guardrails: "
              + (e instanceof com.fasterxml.jackson.databind.JsonMappingException m
                  ? m.getOriginalMessage()
                  : e.getMessage()));
      return null;
    }
    spec.problems(guardrailSettings).forEach(p -> problems.add("guardrails: " + p));
    return spec;
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
    ObjectNode options = Json.object();
    if (m.options() != null) {
      m.options().forEach(options::set);
    }
    ModelSpec spec =
        new ModelSpec(
            m.provider(), m.id(), m.latencyMs(), Boolean.TRUE.equals(m.loop()), script, options);
    if (m.provider().equals(BedrockOptions.PROVIDER)) {
      problems.addAll(BedrockOptions.parse(spec).problems());
    } else if (m.provider().equals(OpenAiOptions.PROVIDER)) {
      problems.addAll(OpenAiOptions.parse(spec, openAi).problems());
    } else {
      options
          .fieldNames()
          .forEachRemaining(
              f ->
                  problems.add(
                      "model." + f + " is not an option of the " + m.provider() + " provider"));
    }
    return spec;
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
    long turnTokens =
        l.maxTokensPerTurn() == null ? defaultLimits.maxTokensPerTurn() : l.maxTokensPerTurn();
    boolean ok = true;
    if (steps < 1 || steps > 1000) {
      problems.add("limits.maxStepsPerTurn must be between 1 and 1000");
      ok = false;
    }
    if (tokens < 0) {
      problems.add("limits.maxTokensPerSession must not be negative (0 means no bound)");
      ok = false;
    }
    if (turnTokens < 0) {
      problems.add("limits.maxTokensPerTurn must not be negative (0 means no bound)");
      ok = false;
    }
    if (cost != null && cost.signum() < 0) {
      problems.add("limits.maxCostUsd must not be negative");
      ok = false;
    }
    return ok ? new Limits(steps, tokens, cost, turnTokens) : defaultLimits;
  }

  static Duration duration(String field, String text, Duration fallback, List<String> problems) {
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

  static void fail(List<String> problems) {
    if (!problems.isEmpty()) {
      throw ApiError.badRequest(String.join("; ", problems));
    }
  }
}

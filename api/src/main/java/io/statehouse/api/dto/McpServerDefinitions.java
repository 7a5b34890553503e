package io.statehouse.api.dto;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.statehouse.api.dto.Requests.McpServerDefinition;
import io.statehouse.api.http.ApiError;
import io.statehouse.runtime.catalog.HeaderValue;
import io.statehouse.runtime.catalog.McpConnection;
import io.statehouse.runtime.catalog.McpServerSpec;
import io.statehouse.runtime.catalog.McpToolNames;
import io.statehouse.runtime.catalog.RetryPolicy;
import io.statehouse.runtime.tool.mcp.McpSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Checks MCP server registrations ({@code PUT /v1/mcp-servers/{name}}), reporting all problems at
 * once. A stdio server runs a process on the node, so a tenant may only name a command the operator
 * lists ({@code statehouse.mcp.stdio.commands}), and may not set environment variables that change
 * what code that process loads. An HTTP server's URL must pass the tenant's egress rules, and
 * credentials travel only as secret references. The tools themselves are discovered afterwards.
 */
public final class McpServerDefinitions {
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final int MAX_ENV = 64;
  private static final int MAX_ARGS = 64;
  private static final int MAX_ARG_CHARS = 1_000;
  private static final int MAX_DESCRIPTION = 2_000;
  private static final int MAX_TOOL_NAME = 128;

  /**
   * Variables that decide what code a process loads or runs (the dynamic linker, language runtimes'
   * preload and option variables, shells' start-up files) or where it looks for programs: a tenant
   * setting them could run its own code inside the operator's command.
   */
  private static final Set<String> REFUSED_ENV =
      Set.of(
          "PATH",
          "HOME",
          "ENV",
          "BASH_ENV",
          "SHELLOPTS",
          "IFS",
          "JAVA_TOOL_OPTIONS",
          "_JAVA_OPTIONS",
          "JDK_JAVA_OPTIONS",
          "CLASSPATH",
          "NODE_OPTIONS",
          "NODE_PATH",
          "PYTHONPATH",
          "PYTHONSTARTUP",
          "PYTHONHOME",
          "PYTHONINSPECT",
          "PERL5OPT",
          "PERL5LIB",
          "PERLLIB",
          "RUBYOPT",
          "RUBYLIB",
          "GCONV_PATH",
          "TMPDIR");

  private static final List<String> REFUSED_ENV_PREFIXES = List.of("LD_", "DYLD_", "STATEHOUSE_");

  /** Headers the MCP transport sets itself. */
  private static final Set<String> TRANSPORT_HEADERS =
      Set.of(
          "accept",
          "content-type",
          "content-length",
          "host",
          "mcp-session-id",
          "mcp-protocol-version",
          "last-event-id",
          "connection",
          "transfer-encoding");

  private final Definitions definitions;
  private final McpSettings settings;

  public McpServerDefinitions(Definitions definitions, Config config) {
    this(definitions, McpSettings.fromConfig(config));
  }

  public McpServerDefinitions(Definitions definitions, McpSettings settings) {
    this.definitions = definitions;
    this.settings = settings;
  }

  /**
   * A registration of {@code tenant} as a spec at version 0, without tools (discovery adds them).
   */
  public McpServerSpec server(String tenant, String name, McpServerDefinition d) {
    if (!McpToolNames.validServerName(name)) {
      throw ApiError.badRequest(
          "MCP server name '"
              + name
              + "' must start with a letter and use letters, digits, - and single _ (not at the"
              + " end), at most "
              + McpToolNames.MAX_SERVER_NAME
              + " characters: its tools are named <server>__<tool>");
    }
    List<String> problems = new ArrayList<>();
    if (d.name() != null && !d.name().equals(name)) {
      problems.add("name '" + d.name() + "' in the body differs from '" + name + "' in the path");
    }
    if (d.description() != null && d.description().length() > MAX_DESCRIPTION) {
      problems.add("description is at most " + MAX_DESCRIPTION + " characters");
    }
    McpConnection connection = null;
    if (d.stdio() != null && d.http() != null) {
      problems.add("an MCP server is stdio or http, not both");
    } else if (d.stdio() != null) {
      connection = stdio(tenant, d.stdio(), problems);
    } else if (d.http() != null) {
      connection = http(tenant, d.http(), problems);
    } else {
      problems.add(
          "stdio or http is required: {\"http\": {\"url\": \"https://…/mcp\"}} or {\"stdio\":"
              + " {\"command\": \"<a command the operator allows>\"}}");
    }
    Duration timeout = timeout("timeout", d.timeout(), definitions.defaultTimeout(), problems);
    RetryPolicy retry = definitions.retry(d.retry(), problems);
    Map<String, McpServerSpec.ToolOptions> options = new TreeMap<>();
    if (d.toolOptions() != null) {
      if (d.toolOptions().size() > settings.maxTools()) {
        problems.add("toolOptions: at most " + settings.maxTools() + " tools");
      }
      d.toolOptions()
          .forEach(
              (tool, o) -> {
                if (tool.isEmpty() || tool.length() > MAX_TOOL_NAME) {
                  problems.add(
                      "toolOptions: a tool name has 1 to " + MAX_TOOL_NAME + " characters");
                } else if (o == null) {
                  problems.add("toolOptions." + tool + " must be {idempotent?, timeout?}");
                } else {
                  options.put(
                      tool,
                      new McpServerSpec.ToolOptions(
                          o.idempotent(),
                          o.timeout() == null
                              ? null
                              : timeout(
                                  "toolOptions." + tool + ".timeout",
                                  o.timeout(),
                                  null,
                                  problems)));
                }
              });
    }
    Definitions.fail(problems);
    return new McpServerSpec(
        name, 0, d.description(), connection, timeout, retry, options, List.of(), false);
  }

  private static Duration timeout(
      String field, String text, Duration fallback, List<String> problems) {
    Duration t = Definitions.duration(field, text, fallback, problems);
    if (t != null && (t.isZero() || t.compareTo(Definitions.MAX_TOOL_TIMEOUT) > 0)) {
      problems.add(field + " must be more than 0 and at most 10m");
    }
    return t;
  }

  private McpConnection stdio(String tenant, Requests.McpStdioDefinition s, List<String> problems) {
    if (settings.commands().isEmpty()) {
      problems.add(
          "stdio: this node runs no stdio MCP servers; its operator must list the command in"
              + " statehouse.mcp.stdio.commands (docs/mcp.md), or register the server over http");
      return null;
    }
    List<String> allowed =
        settings.commands().values().stream()
            .filter(c -> c.allows(tenant))
            .map(McpSettings.StdioCommand::name)
            .toList();
    if (s.command() == null || settings.command(s.command(), tenant).isEmpty()) {
      problems.add(
          "stdio.command '"
              + s.command()
              + "' is not a command this node lets tenant "
              + tenant
              + " run; it allows "
              + allowed
              + " (statehouse.mcp.stdio.commands: the operator's list)");
      return null;
    }
    McpSettings.StdioCommand entry = settings.command(s.command(), tenant).orElseThrow();
    List<String> args = s.args() == null ? List.of() : s.args();
    if (!args.isEmpty() && !entry.allowArgs()) {
      problems.add(
          "stdio.args: command "
              + s.command()
              + " takes no arguments from registrations (its operator sets them)");
    }
    if (args.size() > MAX_ARGS) {
      problems.add("stdio.args: at most " + MAX_ARGS);
    }
    for (String a : args) {
      if (a == null || a.length() > MAX_ARG_CHARS || a.indexOf('\0') >= 0) {
        problems.add("stdio.args: each is a string of at most " + MAX_ARG_CHARS + " characters");
        break;
      }
    }
    Map<String, JsonNode> raw = s.env() == null ? Map.of() : s.env();
    if (raw.size() > MAX_ENV) {
      problems.add("stdio.env: at most " + MAX_ENV + " variables");
    }
    Map<String, HeaderValue> env = new LinkedHashMap<>();
    raw.forEach(
        (name, v) -> {
          String upper = name.toUpperCase(Locale.ROOT);
          if (!ENV_NAME.matcher(name).matches()) {
            problems.add("stdio.env: '" + name + "' is not a variable name");
          } else if (REFUSED_ENV.contains(upper)
              || REFUSED_ENV_PREFIXES.stream().anyMatch(upper::startsWith)) {
            problems.add(
                "stdio.env may not set "
                    + name
                    + ": it changes what code the process runs (the operator sets it, if at all)");
          } else {
            HeaderValue value = definitions.value(tenant, "stdio.env." + name, name, v, problems);
            if (value != null) {
              env.put(name, value);
            }
          }
        });
    return McpConnection.stdio(s.command(), args, env);
  }

  private McpConnection http(String tenant, Requests.McpHttpDefinition h, List<String> problems) {
    definitions.checkUrl(tenant, h.url(), problems);
    Map<String, HeaderValue> headers =
        definitions.headers(
            tenant,
            h.headers(),
            lower -> TRANSPORT_HEADERS.contains(lower) || lower.startsWith("x-statehouse-"),
            "the MCP transport",
            problems);
    return McpConnection.http(h.url() == null ? "" : h.url(), headers);
  }
}

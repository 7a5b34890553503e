package io.statehouse.runtime.testing.mcp;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.TreeSet;

/**
 * The tools of the test MCP servers (stdio and HTTP), built with the MCP Java SDK's server API.
 * Every call is appended to the call log (when there is one) as {@code <tool> <idempotency key>},
 * so tests can count what reached the server.
 *
 * <ul>
 *   <li>{@code echo} {text}: read-only (so idempotent); answers {@code echo: <text>}
 *   <li>{@code charge} {q}: not idempotent; answers {@code charged <q>}
 *   <li>{@code die} {q}: not idempotent; the process halts 200 ms into the call, answering nothing
 *   <li>{@code flaky} {q}: idempotent; halts on the first attempt of an idempotency key, answers on
 *       the next (a new process: the log file says what happened before)
 *   <li>{@code env} {}: the names of the process's environment variables, sorted
 *   <li>{@code envValue} {name}: the value of one variable
 *   <li>{@code slow} {ms}: answers after that long
 *   <li>{@code fail} {}: the tool's own error ({@code isError})
 *   <li>{@code big} {chars}: a text of that many characters
 *   <li>{@code get weather!} {city}: a name no model accepts
 *   <li>{@code badschema}: an input schema that is not an object
 * </ul>
 */
public final class TestMcpTools {
  private TestMcpTools() {}

  private static final String Q =
      "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},\"required\":[\"q\"]}";

  public static List<SyncToolSpecification> tools(McpJsonMapper m, Path callLog, boolean canDie) {
    return List.of(
        tool(
            Tool.builder(
                    "echo",
                    m,
                    "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},\"required\":[\"text\"]}")
                .description("Echoes text")
                .annotations(ToolAnnotations.builder().readOnlyHint(true).build())
                .build(),
            (req, key) -> text("echo: " + req.arguments().get("text")),
            callLog),
        tool(
            Tool.builder("charge", m, Q).description("Charges a card").build(),
            (req, key) -> text("charged " + req.arguments().get("q")),
            callLog),
        tool(
            Tool.builder("die", m, Q)
                .description("Dies mid-call")
                .annotations(ToolAnnotations.builder().destructiveHint(true).build())
                .build(),
            (req, key) -> {
              if (canDie) {
                halt();
              }
              return text("cannot die here");
            },
            callLog),
        tool(
            Tool.builder("flaky", m, Q)
                .description("Dies on a key's first attempt")
                .annotations(ToolAnnotations.builder().idempotentHint(true).build())
                .build(),
            (req, key) -> {
              if (canDie && seen(callLog, "flaky " + key) == 1) {
                halt();
              }
              return text("flaky ok for " + req.arguments().get("q"));
            },
            callLog),
        tool(
            Tool.builder("env", m, "{\"type\":\"object\"}")
                .description("Environment names")
                .build(),
            (req, key) -> text(String.join(",", new TreeSet<>(System.getenv().keySet()))),
            callLog),
        tool(
            Tool.builder(
                    "envValue",
                    m,
                    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}}")
                .description("One environment variable")
                .build(),
            (req, key) ->
                text(String.valueOf(System.getenv(String.valueOf(req.arguments().get("name"))))),
            callLog),
        tool(
            Tool.builder(
                    "slow",
                    m,
                    "{\"type\":\"object\",\"properties\":{\"ms\":{\"type\":\"integer\"}}}")
                .description("Answers late")
                .build(),
            (req, key) -> {
              sleep(((Number) req.arguments().get("ms")).longValue());
              return text("slow done");
            },
            callLog),
        tool(
            Tool.builder(
                    "big",
                    m,
                    "{\"type\":\"object\",\"properties\":{\"chars\":{\"type\":\"integer\"}}}")
                .description("Answers a long text")
                .build(),
            (req, key) -> text("x".repeat(((Number) req.arguments().get("chars")).intValue())),
            callLog),
        tool(
            Tool.builder("fail", m, "{\"type\":\"object\"}").description("Fails").build(),
            (req, key) -> CallToolResult.builder().addTextContent("it broke").isError(true).build(),
            callLog),
        tool(
            Tool.builder(
                    "get weather!",
                    m,
                    "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}")
                .description("A name models cannot use")
                .annotations(ToolAnnotations.builder().readOnlyHint(true).build())
                .build(),
            (req, key) -> text("sunny in " + req.arguments().get("city")),
            callLog),
        tool(
            Tool.builder("badschema", m, "{\"type\":\"string\"}")
                .description("Not an object")
                .build(),
            (req, key) -> text("never"),
            callLog));
  }

  private interface Body {
    CallToolResult apply(McpSchema.CallToolRequest request, String idempotencyKey);
  }

  private static SyncToolSpecification tool(Tool tool, Body body, Path callLog) {
    return SyncToolSpecification.builder()
        .tool(tool)
        .callHandler(
            (exchange, req) -> {
              Object key =
                  req.meta() == null ? null : req.meta().get("io.statehouse/idempotencyKey");
              log(callLog, tool.name() + " " + key);
              return body.apply(req, String.valueOf(key));
            })
        .build();
  }

  private static CallToolResult text(String text) {
    return CallToolResult.builder().addTextContent(text).isError(false).build();
  }

  private static synchronized void log(Path callLog, String line) {
    if (callLog == null) {
      return;
    }
    try {
      Files.writeString(
          callLog,
          line + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** How many lines of the call log are {@code line}. */
  public static long seen(Path callLog, String line) {
    try {
      return callLog == null || !Files.exists(callLog)
          ? 0
          : Files.readAllLines(callLog).stream().filter(line::equals).count();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Ends the process 200 ms from now, with the call unanswered. */
  private static void halt() {
    sleep(200);
    Runtime.getRuntime().halt(3);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package io.statehouse.runtime.testing.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.statehouse.runtime.tool.mcp.McpSchemaValidator;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * A stdio MCP server for tests, run as its own JVM: {@code java -cp <test class path>
 * io.statehouse.runtime.testing.mcp.TestMcpServer [call-log-file]} (or the log's path in the system
 * property {@code statehouse.test.mcp-log}). Its tools are {@link TestMcpTools}'. It prints a
 * banner line on stdout before the protocol starts, as real servers sometimes do: the node must
 * skip it.
 */
public final class TestMcpServer {
  private TestMcpServer() {}

  public static void main(String[] args) {
    // stdout carries the protocol: everything else (logback's console, stray prints) goes to stderr
    PrintStream protocol = System.out;
    System.setOut(System.err);
    protocol.println("test MCP server starting (a banner that is not JSON-RPC)");
    protocol.flush();
    System.err.println("test MCP server: this line goes to stderr");
    String log = System.getProperty(LOG_PROPERTY, args.length > 0 ? args[0] : null);
    Path callLog = log == null ? null : Path.of(log);
    var mapper = new JacksonMcpJsonMapper(new ObjectMapper());
    McpServer.sync(new StdioServerTransportProvider(mapper, System.in, protocol))
        .serverInfo("statehouse-test-stdio", "1")
        .jsonSchemaValidator(new McpSchemaValidator())
        .strictToolNameValidation(false)
        .validateToolInputs(true)
        .tools(TestMcpTools.tools(mapper, callLog, true))
        .build();
    // main returns; the stdin reader keeps the JVM alive until stdin ends
  }

  /** Where the call log goes: a system property, early on the command line. */
  static final String LOG_PROPERTY = "statehouse.test.mcp-log";

  /**
   * The command line that runs this server with the current test class path, logging calls to
   * {@code callLog}. The log's path comes before the (long) class path, so it shows in the first
   * 4096 characters the OS reports of a command line.
   */
  public static java.util.List<String> commandLine(Path callLog) {
    return java.util.List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-D" + LOG_PROPERTY + "=" + callLog,
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-Xshare:auto",
        "-cp",
        System.getProperty("java.class.path"),
        TestMcpServer.class.getName());
  }
}

package io.statehouse.runtime.tool.mcp;

import static io.statehouse.runtime.testing.Specs.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.statehouse.runtime.catalog.HeaderValue;
import io.statehouse.runtime.catalog.McpConnection;
import io.statehouse.runtime.catalog.McpServerSpec;
import io.statehouse.runtime.catalog.McpTarget;
import io.statehouse.runtime.catalog.McpTool;
import io.statehouse.runtime.catalog.RetryPolicy;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.testing.mcp.TestMcpHttpServer;
import io.statehouse.runtime.testing.mcp.TestMcpServer;
import io.statehouse.runtime.testing.mcp.TestMcpTools;
import io.statehouse.runtime.tool.ArgumentValidator;
import io.statehouse.runtime.tool.ToolInvocation;
import io.statehouse.runtime.tool.ToolResult;
import io.statehouse.runtime.tool.egress.EgressGuard;
import io.statehouse.runtime.tool.egress.NodePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MCP tools against real servers built with the SDK: a stdio server in its own JVM (one process
 * shared by the tests, started again only by the tests that end it) and a streamable-HTTP server in
 * Tomcat.
 */
class McpToolExecutorTest {
  private static Path callLog;
  private static TestMcpHttpServer http;
  private static McpClients clients;
  private static McpToolExecutor executor;

  @BeforeAll
  static void start() throws Exception {
    callLog = Files.createTempFile("mcp-calls", ".log");
    http = new TestMcpHttpServer(callLog);
    List<String> line = TestMcpServer.commandLine(callLog);
    Config config =
        ConfigFactory.parseString(
                "statehouse.egress.default.allow-cidrs = [\"127.0.0.0/8\"]\n"
                    + "statehouse.secrets.acme.API_KEY = \"k-123\"\n"
                    + "statehouse.secrets.acme.BROKEN = \"abc\\r\\nX-Injected: yes\"\n"
                    + "statehouse.mcp.initialize-timeout = 30s\n"
                    + "statehouse.mcp.stdio.commands.broken.command = \"/nonexistent/mcp-server\"\n")
            .withValue(
                "statehouse.mcp.stdio.commands.testserver.command",
                ConfigValueFactory.fromAnyRef(line.get(0)))
            .withValue(
                "statehouse.mcp.stdio.commands.testserver.args",
                ConfigValueFactory.fromIterable(line.subList(1, line.size())))
            .withValue(
                "statehouse.mcp.stdio.commands.testserver.env",
                ConfigValueFactory.fromMap(Map.of("FROM_OPERATOR", "yes")))
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    clients =
        McpClients.fromConfig(
            config, EgressGuard.fromConfig(config, NodePorts.none()), new ArgumentValidator());
    executor = new McpToolExecutor(clients);
  }

  @AfterAll
  static void stop() throws Exception {
    clients.close();
    http.close();
  }

  private static final McpConnection STDIO =
      McpConnection.stdio(
          "testserver",
          List.of(),
          Map.of(
              "GIVEN",
              new HeaderValue.Literal("1"),
              "API_KEY",
              new HeaderValue.SecretRef("API_KEY")));

  private static ToolSpec spec(
      McpConnection connection, String tool, boolean idempotent, Duration timeout) {
    return ToolSpec.of(
        "test__" + tool,
        1,
        "",
        json("{\"type\":\"object\"}"),
        idempotent,
        timeout,
        new RetryPolicy(1, Duration.ofMillis(10), Duration.ofMillis(10)),
        new McpTarget("test", 1, tool, connection));
  }

  private static ToolResult call(ToolSpec spec, String input, String key) throws Exception {
    ToolInvocation inv =
        new ToolInvocation(
            spec,
            json(input),
            key,
            1,
            new ToolInvocation.CallContext("acme", "alice", "s1", "agent", "t1", "c1"));
    return executor.execute(inv).toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static ToolResult stdio(String tool, String input) throws Exception {
    return call(
        spec(STDIO, tool, false, Duration.ofSeconds(30)), input, tool + "-" + System.nanoTime());
  }

  @Test
  void callsAToolOfAStdioServerPastTheBannerItPrintsOnStdout() throws Exception {
    ToolResult r = stdio("echo", "{\"text\":\"hi\"}");
    assertEquals(new ToolResult.Success("echo: hi"), r);
  }

  @Test
  void theProcessSeesOnlyTheEnvironmentItWasGivenNeverTheNodes() throws Exception {
    ToolResult names = stdio("env", "{}");
    Set<String> seen =
        new TreeSet<>(Arrays.asList(((ToolResult.Success) names).content().split(",")));
    assertEquals(Set.of("PATH", "FROM_OPERATOR", "GIVEN", "API_KEY"), seen);
    // the test JVM has variables beyond these (HOME, PWD, JAVA_HOME, …): none reached the child
    Set<String> parent = System.getenv().keySet();
    assertTrue(parent.stream().anyMatch(v -> !seen.contains(v)), "the node has variables to leak");
    assertTrue(parent.stream().filter(v -> !Set.of("PATH").contains(v)).noneMatch(seen::contains));
    // a secret reference is resolved for the tenant when the process starts
    assertEquals(new ToolResult.Success("k-123"), stdio("envValue", "{\"name\":\"API_KEY\"}"));
  }

  @Test
  void aServerThatDiesMidCallFailsTheCallAtOnceAsOneThatMayHaveActed() throws Exception {
    stdio("echo", "{\"text\":\"warm up\"}");
    int before = clients.startedClients();
    String key = "die-" + System.nanoTime();
    long started = System.nanoTime();
    ToolResult r = call(spec(STDIO, "die", false, Duration.ofSeconds(30)), "{\"q\":\"x\"}", key);
    long ms = (System.nanoTime() - started) / 1_000_000;

    ToolResult.Failure f = assertInstanceOf(ToolResult.Failure.class, r);
    assertEquals("mcp_server_ended", f.code(), f.message());
    assertTrue(f.mayHaveActed(), "the request reached the server before it died");
    assertTrue(
        ms < 10_000, "noticed when the process ended, not at the 30 s timeout: " + ms + " ms");
    assertEquals(1, TestMcpTools.seen(callLog, "die " + key));
    // the next call gets a new process
    assertEquals(new ToolResult.Success("echo: again"), stdio("echo", "{\"text\":\"again\"}"));
    assertTrue(clients.startedClients() > before);
  }

  @Test
  void aCallPastItsTimeoutMayHaveActedAndTheServerStaysInUse() throws Exception {
    stdio("echo", "{\"text\":\"warm up\"}");
    int before = clients.startedClients();
    ToolResult r =
        call(spec(STDIO, "slow", false, Duration.ofMillis(300)), "{\"ms\":2000}", "slow-1");

    ToolResult.Failure f = assertInstanceOf(ToolResult.Failure.class, r);
    assertEquals("timeout", f.code());
    assertTrue(f.mayHaveActed());
    assertEquals(new ToolResult.Success("echo: still"), stdio("echo", "{\"text\":\"still\"}"));
    assertEquals(before, clients.startedClients(), "a slow server is not restarted");
  }

  @Test
  void aToolThatAnswersIsErrorRanAndMayHaveActedSoANonIdempotentOneGoesToAHuman() throws Exception {
    ToolResult.Failure f = assertInstanceOf(ToolResult.Failure.class, stdio("fail", "{}"));
    assertEquals("tool_error", f.code());
    assertEquals("it broke", f.message());
    assertTrue(f.mayHaveActed(), "it ran: failing does not prove it did nothing");
  }

  @Test
  void aResultLargerThanTheNodesCapFailsTheCallInsteadOfReachingTheSession() throws Exception {
    // statehouse.tools.max-result-size: 256 KiB, shared with HTTP tools
    ToolResult fits = stdio("big", "{\"chars\":1000}");
    ToolResult.Failure tooLarge =
        assertInstanceOf(ToolResult.Failure.class, stdio("big", "{\"chars\":300000}"));

    assertEquals(new ToolResult.Success("x".repeat(1000)), fits);
    assertEquals("result_too_large", tooLarge.code(), tooLarge.message());
    assertFalse(tooLarge.message().contains("xxxx"), "the result is not quoted");
  }

  @Test
  void anHttpServerThatDiesMidCallFailsTheCallAsOneThatMayHaveActed() throws Exception {
    McpConnection conn =
        McpConnection.http(http.url(), Map.of("X-Api-Key", new HeaderValue.SecretRef("API_KEY")));
    assertEquals(
        new ToolResult.Success("echo: up"),
        call(spec(conn, "echo", true, Duration.ofSeconds(10)), "{\"text\":\"up\"}", "h-up"));

    String key = "slow-" + System.nanoTime();
    java.util.concurrent.CompletableFuture<ToolResult> pending =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return call(
                    spec(conn, "slow", false, Duration.ofSeconds(20)), "{\"ms\":5000}", key);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    // the request has reached the server when its call log says so; then the server goes away
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (TestMcpTools.seen(callLog, "slow " + key) == 0 && System.nanoTime() < until) {
      Thread.sleep(50);
    }
    http.close();
    ToolResult.Failure f =
        assertInstanceOf(ToolResult.Failure.class, pending.get(30, TimeUnit.SECONDS));

    assertTrue(f.mayHaveActed(), f.code() + ": " + f.message());
    assertEquals(1, TestMcpTools.seen(callLog, "slow " + key));
    http = new TestMcpHttpServer(callLog);
  }

  @Test
  void aToolTheServerDoesNotHaveIsRefusedAsNeverRun() throws Exception {
    ToolResult.Failure f = assertInstanceOf(ToolResult.Failure.class, stdio("nope", "{}"));
    assertEquals("mcp_error_32602", f.code(), f.message());
    assertFalse(f.mayHaveActed());
  }

  @Test
  void aCommandTheOperatorDoesNotListIsNeverStarted() throws Exception {
    McpConnection other = McpConnection.stdio("bash", List.of(), Map.of());
    ToolResult.Failure f =
        assertInstanceOf(
            ToolResult.Failure.class,
            call(spec(other, "echo", false, Duration.ofSeconds(5)), "{}", "k"));
    assertEquals("mcp_not_allowed", f.code());
    assertFalse(f.mayHaveActed());
  }

  @Test
  void aServerThatCannotStartFailsAsNotSentWithoutWaitingForATimeout() throws Exception {
    McpConnection broken = McpConnection.stdio("broken", List.of(), Map.of());
    long started = System.nanoTime();
    ToolResult.Failure f =
        assertInstanceOf(
            ToolResult.Failure.class,
            call(spec(broken, "echo", false, Duration.ofSeconds(5)), "{}", "k"));
    assertEquals("mcp_unavailable", f.code(), f.message());
    assertFalse(f.mayHaveActed());
    assertTrue((System.nanoTime() - started) / 1_000_000 < 10_000);
  }

  @Test
  void discoveryNamesEveryToolForTheModelAndSaysWhichAreUsable() throws Exception {
    McpServerSpec spec =
        new McpServerSpec(
            "test",
            0,
            "",
            // over HTTP: the same tools as the stdio server, without starting another JVM
            McpConnection.http(http.url(), Map.of()),
            Duration.ofSeconds(10),
            new RetryPolicy(1, Duration.ofMillis(10), Duration.ofMillis(10)),
            Map.of("charge", new McpServerSpec.ToolOptions(true, null)),
            List.of(),
            false);
    McpDiscovery d = clients.discover("acme", spec).toCompletableFuture().get(60, TimeUnit.SECONDS);
    Map<String, McpTool> byName =
        d.tools().stream().collect(Collectors.toMap(McpTool::name, t -> t));

    assertFalse(d.truncated());
    McpTool weather = byName.get("get weather!");
    assertTrue(weather.modelName().matches("test__get_weather_[0-9a-f]{8}"), weather.modelName());
    assertTrue(weather.usable());
    assertFalse(byName.get("badschema").usable());
    assertTrue(byName.get("badschema").unusable().contains("object"));
    assertTrue(byName.get("echo").idempotent(), "readOnlyHint");
    assertTrue(byName.get("flaky").idempotent(), "idempotentHint");
    assertFalse(byName.get("die").idempotent());
    assertTrue(byName.get("charge").idempotent(), "the registration's word wins");
  }

  @Test
  void callsAToolOverStreamableHttpWithItsSecretHeaderResolvedPerRequest() throws Exception {
    McpConnection conn =
        McpConnection.http(http.url(), Map.of("X-Api-Key", new HeaderValue.SecretRef("API_KEY")));
    ToolResult r =
        call(spec(conn, "echo", true, Duration.ofSeconds(10)), "{\"text\":\"over http\"}", "h1");

    assertEquals(new ToolResult.Success("echo: over http"), r);
    assertTrue(http.apiKeys().contains("k-123"), http.apiKeys().toString());
    assertEquals(1, TestMcpTools.seen(callLog, "echo h1"));
  }

  @Test
  void discoveryStopsAtTheNodesToolLimitAndSaysSo() throws Exception {
    Config small =
        ConfigFactory.parseString(
                "statehouse.egress.default.allow-cidrs = [\"127.0.0.0/8\"]\n"
                    + "statehouse.mcp.max-tools = 3\n")
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    try (McpClients few =
        McpClients.fromConfig(
            small, EgressGuard.fromConfig(small, NodePorts.none()), new ArgumentValidator())) {
      McpServerSpec spec =
          new McpServerSpec(
              "test",
              0,
              "",
              McpConnection.http(http.url(), Map.of()),
              Duration.ofSeconds(10),
              new RetryPolicy(1, Duration.ofMillis(10), Duration.ofMillis(10)),
              Map.of(),
              List.of(),
              false);
      McpDiscovery d = few.discover("acme", spec).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(3, d.tools().size());
      assertTrue(d.truncated());
    }
  }

  @Test
  void anHttpServerOnAnAddressTheTenantMayNotReachIsNeverContacted() throws Exception {
    // the default rules: loopback is refused; a server of its own, which nothing else calls
    Config strict = ConfigFactory.defaultReference().resolve();
    try (TestMcpHttpServer untouched = new TestMcpHttpServer(null);
        McpClients guarded =
            McpClients.fromConfig(
                strict,
                EgressGuard.fromConfig(strict, NodePorts.none()),
                new ArgumentValidator())) {
      ToolInvocation inv =
          new ToolInvocation(
              spec(
                  McpConnection.http(untouched.url(), Map.of()),
                  "echo",
                  true,
                  Duration.ofSeconds(5)),
              json("{\"text\":\"x\"}"),
              "e1",
              1,
              new ToolInvocation.CallContext("acme", "alice", "s1", "agent", "t1", "c1"));
      ToolResult.Failure f =
          assertInstanceOf(
              ToolResult.Failure.class,
              new McpToolExecutor(guarded)
                  .execute(inv)
                  .toCompletableFuture()
                  .get(30, TimeUnit.SECONDS));
      assertEquals("egress_denied", f.code());
      assertFalse(f.mayHaveActed());
      assertTrue(untouched.apiKeys().isEmpty(), "no request reached the server");
    }
  }

  private static Config idleAfter(String timeout) {
    return ConfigFactory.parseString(
            "statehouse.egress.default.allow-cidrs = [\"127.0.0.0/8\"]\n"
                + "statehouse.mcp.idle-timeout = "
                + timeout
                + "\n")
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  private static ToolInvocation echoAt(String url) {
    return new ToolInvocation(
        spec(McpConnection.http(url, Map.of()), "echo", true, Duration.ofSeconds(10)),
        json("{\"text\":\"a\"}"),
        "i1",
        1,
        new ToolInvocation.CallContext("acme", "alice", "s1", "agent", "t1", "c1"));
  }

  @Test
  void anIdleClientIsClosedAndTheNextCallStartsAnother() throws Exception {
    Config idle = idleAfter("1s");
    try (McpClients short_ =
        McpClients.fromConfig(
            idle, EgressGuard.fromConfig(idle, NodePorts.none()), new ArgumentValidator())) {
      McpToolExecutor ex = new McpToolExecutor(short_);
      ToolInvocation inv = echoAt(http.url());
      ToolResult echo = new ToolResult.Success("echo: a");
      assertEquals(echo, ex.execute(inv).toCompletableFuture().get(30, TimeUnit.SECONDS));
      assertEquals(echo, ex.execute(inv).toCompletableFuture().get(30, TimeUnit.SECONDS));
      assertEquals(1, short_.startedClients(), "reused while in use");
      Thread.sleep(3_000);
      assertEquals(echo, ex.execute(inv).toCompletableFuture().get(30, TimeUnit.SECONDS));
      assertEquals(2, short_.startedClients(), "closed when idle, started again");
    }
  }

  @Test
  void aClientStillInitializingIsNotClosedAsIdle() throws Exception {
    Config idle = idleAfter("200ms");
    http.delayRequests(Duration.ofMillis(600));
    try (McpClients short_ =
        McpClients.fromConfig(
            idle, EgressGuard.fromConfig(idle, NodePorts.none()), new ArgumentValidator())) {
      // the handshake outlasts the idle timeout: the reaper must not close the client under it
      assertEquals(
          new ToolResult.Success("echo: a"),
          new McpToolExecutor(short_)
              .execute(echoAt(http.url()))
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS));
      assertEquals(1, short_.startedClients());
    } finally {
      http.delayRequests(Duration.ZERO);
    }
  }

  @Test
  void closingTheClientsStopsEveryServerProcess() throws Exception {
    Path ownLog = Files.createTempFile("mcp-own", ".log");
    List<String> line = TestMcpServer.commandLine(ownLog);
    Config config =
        ConfigFactory.empty()
            .withValue(
                "statehouse.mcp.stdio.commands.own.command",
                ConfigValueFactory.fromAnyRef(line.get(0)))
            .withValue(
                "statehouse.mcp.stdio.commands.own.args",
                ConfigValueFactory.fromIterable(line.subList(1, line.size())))
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    McpClients own =
        McpClients.fromConfig(
            config, EgressGuard.fromConfig(config, NodePorts.none()), new ArgumentValidator());
    ToolInvocation inv =
        new ToolInvocation(
            spec(
                McpConnection.stdio("own", List.of(), Map.of()),
                "echo",
                true,
                Duration.ofSeconds(30)),
            json("{\"text\":\"x\"}"),
            "o1",
            1,
            new ToolInvocation.CallContext("acme", "alice", "s1", "agent", "t1", "c1"));
    assertEquals(
        new ToolResult.Success("echo: x"),
        new McpToolExecutor(own).execute(inv).toCompletableFuture().get(60, TimeUnit.SECONDS));
    assertEquals(1, servers(ownLog).size(), "its process runs");

    own.close();
    assertTrue(servers(ownLog).isEmpty(), "no process left after close");
  }

  @Test
  void aSecretHttpWouldRefuseInAHeaderIsNeverSentNorRepeated() throws Exception {
    McpConnection conn =
        McpConnection.http(http.url(), Map.of("X-Api-Key", new HeaderValue.SecretRef("BROKEN")));
    ToolResult.Failure f =
        assertInstanceOf(
            ToolResult.Failure.class,
            call(spec(conn, "echo", true, Duration.ofSeconds(10)), "{\"text\":\"x\"}", "b1"));

    assertEquals("invalid_request", f.code(), f.message());
    assertFalse(f.mayHaveActed());
    assertFalse(f.message().contains("X-Injected"), f.message());
    assertFalse(http.apiKeys().stream().anyMatch(k -> k.contains("abc")));
  }

  /** The live child processes started with {@code log} on their command line. */
  private static List<ProcessHandle> servers(Path log) {
    return ProcessHandle.current()
        .children()
        .filter(ProcessHandle::isAlive)
        // the OS reports the first 4096 characters of a command line: the log's path is in them
        .filter(p -> p.info().commandLine().map(c -> c.contains(log.toString())).orElse(false))
        .toList();
  }
}

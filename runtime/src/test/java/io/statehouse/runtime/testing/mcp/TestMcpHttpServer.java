package io.statehouse.runtime.testing.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.statehouse.runtime.tool.mcp.McpSchemaValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;

/**
 * A streamable-HTTP MCP server for tests: the SDK's servlet transport (sessions, SSE) in an
 * embedded Tomcat on 127.0.0.1, with {@link TestMcpTools}' tools (none of them halts: this server
 * shares the test's JVM). It records the {@code X-Api-Key} header of every request it gets.
 */
public final class TestMcpHttpServer implements AutoCloseable {
  private final Tomcat tomcat;
  private final McpSyncServer server;
  private final List<String> apiKeys = new CopyOnWriteArrayList<>();
  private volatile Duration requestDelay = Duration.ZERO;

  public TestMcpHttpServer(Path callLog) throws Exception {
    var mapper = new JacksonMcpJsonMapper(new ObjectMapper());
    HttpServletStreamableServerTransportProvider transport =
        HttpServletStreamableServerTransportProvider.builder()
            .jsonMapper(mapper)
            .mcpEndpoint("/mcp")
            .contextExtractor(
                request -> {
                  String key = request.getHeader("X-Api-Key");
                  apiKeys.add(key == null ? "" : key);
                  pause(requestDelay);
                  return McpTransportContext.create(Map.of());
                })
            .build();
    server =
        McpServer.sync(transport)
            .serverInfo("statehouse-test-http", "1")
            .jsonSchemaValidator(new McpSchemaValidator())
            .strictToolNameValidation(false)
            .validateToolInputs(true)
            .tools(TestMcpTools.tools(mapper, callLog, false))
            .build();
    Path base = Files.createTempDirectory("mcp-tomcat");
    tomcat = new Tomcat();
    tomcat.setPort(0);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    tomcat.setBaseDir(base.toString());
    Context context = tomcat.addContext("", base.toString());
    Wrapper wrapper = context.createWrapper();
    wrapper.setName("mcp");
    wrapper.setServlet(transport);
    wrapper.setAsyncSupported(true);
    wrapper.setLoadOnStartup(1);
    context.addChild(wrapper);
    context.addServletMappingDecoded("/*", "mcp");
    tomcat.start();
  }

  public int port() {
    return tomcat.getConnector().getLocalPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port() + "/mcp";
  }

  /** Every request from now on waits {@code delay} before it is handled (a slow server). */
  public void delayRequests(Duration delay) {
    requestDelay = delay;
  }

  private static void pause(Duration d) {
    if (d.isZero()) {
      return;
    }
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The {@code X-Api-Key} values requests carried ("" when absent), in order. */
  public List<String> apiKeys() {
    return List.copyOf(apiKeys);
  }

  @Override
  public void close() throws Exception {
    server.closeGracefully();
    tomcat.stop();
    tomcat.destroy();
  }
}

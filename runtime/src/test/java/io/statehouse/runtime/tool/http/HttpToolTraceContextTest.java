package io.statehouse.runtime.tool.http;

import static io.statehouse.runtime.testing.Specs.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.catalog.HeaderValue;
import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.catalog.RetryPolicy;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.secret.SecretResolver;
import io.statehouse.runtime.telemetry.TraceParent;
import io.statehouse.runtime.testing.LocalHttpServer;
import io.statehouse.runtime.tool.ToolInvocation;
import io.statehouse.runtime.tool.ToolResult;
import io.statehouse.runtime.tool.egress.EgressGuard;
import io.statehouse.runtime.tool.egress.NodePorts;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An HTTP tool is called under the W3C trace context of its call's span, and only that one. */
class HttpToolTraceContextTest {
  private static final String CALL_SPAN = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final Config CONFIG =
      ConfigFactory.parseString(
              "statehouse.egress.default.allow-cidrs = [\"127.0.0.0/8\", \"::1/128\"]\n")
          .withFallback(ConfigFactory.defaultReference())
          .resolve();

  private final LocalHttpServer server;
  private final HttpToolExecutor executor =
      new HttpToolExecutor(
          Duration.ofSeconds(2),
          1024,
          EgressGuard.fromConfig(CONFIG, NodePorts.none()),
          SecretResolver.fromConfig(CONFIG));

  HttpToolTraceContextTest() throws Exception {
    server =
        new LocalHttpServer()
            .on("/lookup", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"ok\":true}"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private LocalHttpServer.Seen call(TraceParent trace) throws Exception {
    ToolSpec spec =
        new ToolSpec(
            "lookup",
            1,
            "",
            json("{}"),
            true,
            Duration.ofSeconds(2),
            new RetryPolicy(1, Duration.ZERO, null),
            // a tool's own traceparent header must not compete with the call's
            new HttpTarget(
                "POST",
                server.url("/lookup"),
                Map.of("traceparent", new HeaderValue.Literal("00-forged")),
                Set.of()));
    ToolInvocation invocation =
        new ToolInvocation(
            spec,
            json("{}"),
            "ses_1/call_0_0",
            1,
            new ToolInvocation.CallContext("acme", "alice", "ses_1", "helper", "turn_1", "c1"),
            trace);
    ToolResult result =
        executor.execute(invocation).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertInstanceOf(ToolResult.Success.class, result);
    return server.seen().get(server.seen().size() - 1);
  }

  @Test
  void sendsTheCallSpansTraceparentAndTracestateInsteadOfTheToolsOwn() throws Exception {
    LocalHttpServer.Seen seen = call(new TraceParent(CALL_SPAN, "vendor=opaque"));

    assertEquals(List.of(CALL_SPAN), seen.headers().get("traceparent"));
    assertEquals(List.of("vendor=opaque"), seen.headers().get("tracestate"));
  }

  @Test
  void withoutATraceContextSendsNoTracestate() throws Exception {
    LocalHttpServer.Seen seen = call(null);

    assertEquals(List.of("00-forged"), seen.headers().get("traceparent"), "the tool's own header");
    assertNull(seen.headers().get("tracestate"));
  }
}

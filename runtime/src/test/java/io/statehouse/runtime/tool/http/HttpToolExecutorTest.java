package io.statehouse.runtime.tool.http;

import static io.statehouse.runtime.testing.Specs.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.catalog.RetryPolicy;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.testing.LocalHttpServer;
import io.statehouse.runtime.testing.Specs;
import io.statehouse.runtime.tool.ToolInvocation;
import io.statehouse.runtime.tool.ToolResult;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpToolExecutorTest {
  private final LocalHttpServer server = newServer();
  private final HttpToolExecutor executor = new HttpToolExecutor(Duration.ofSeconds(2), 1024);

  private static LocalHttpServer newServer() {
    try {
      return new LocalHttpServer();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private ToolResult run(String method, String path, String input, Duration timeout)
      throws Exception {
    ToolSpec spec =
        new ToolSpec(
            "t",
            1,
            "",
            Specs.json("{}"),
            true,
            timeout,
            new RetryPolicy(1, Duration.ZERO, null),
            new HttpTarget(method, server.url(path), Map.of("X-Api-Key", "secret")));
    ToolInvocation invocation =
        new ToolInvocation(
            spec,
            json(input),
            "ses_1/call_0_0",
            1,
            new ToolInvocation.CallContext(
                "acme", "alice", "ses_1", "helper", "turn_1", "call_0_0"));
    return executor.execute(invocation).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void postsTheInputAsJsonWithIdempotencyKeyAndIdentityHeaders() throws Exception {
    server.on("/orders", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"ok\":true}"));

    ToolResult result = run("POST", "/orders", "{\"q\":\"book\"}", Duration.ofSeconds(2));

    assertEquals(new ToolResult.Success("{\"ok\":true}"), result);
    LocalHttpServer.Seen seen = server.seen().get(0);
    assertEquals("{\"q\":\"book\"}", seen.body());
    assertEquals("ses_1/call_0_0", seen.headers().getFirst("Idempotency-Key"));
    assertEquals("acme", seen.headers().getFirst("X-Statehouse-Tenant"));
    assertEquals("alice", seen.headers().getFirst("X-Statehouse-Subject"));
    assertEquals("ses_1", seen.headers().getFirst("X-Statehouse-Session"));
    assertEquals("secret", seen.headers().getFirst("X-Api-Key"));
  }

  @Test
  void getSendsTheInputAsQueryParameters() throws Exception {
    server.on("/weather", (ex, body) -> LocalHttpServer.respond(ex, 200, "sunny"));
    run("GET", "/weather", "{\"city\":\"São Paulo\",\"days\":3}", Duration.ofSeconds(2));
    LocalHttpServer.Seen seen = server.seen().get(0);
    assertEquals("GET", seen.method());
    assertEquals("city=S%C3%A3o+Paulo&days=3", seen.query());
  }

  @Test
  void serverErrorsAndThrottlingAreRetryableClientErrorsAreNot() throws Exception {
    server.on("/down", (ex, body) -> LocalHttpServer.respond(ex, 503, "busy"));
    server.on("/slowdown", (ex, body) -> LocalHttpServer.respond(ex, 429, "later"));
    server.on(
        "/bad", (ex, body) -> LocalHttpServer.respond(ex, 422, "{\"error\":\"no such order\"}"));

    ToolResult.Failure down =
        (ToolResult.Failure) run("POST", "/down", "{}", Duration.ofSeconds(2));
    ToolResult.Failure throttled =
        (ToolResult.Failure) run("POST", "/slowdown", "{}", Duration.ofSeconds(2));
    ToolResult.Failure bad = (ToolResult.Failure) run("POST", "/bad", "{}", Duration.ofSeconds(2));

    assertEquals("http_503", down.code());
    assertTrue(down.retryable());
    assertTrue(throttled.retryable());
    assertEquals("http_422", bad.code());
    assertFalse(bad.retryable());
    assertTrue(bad.message().contains("no such order"), "the model is told what the tool said");
    // every answer but 2xx came from a tool that received the request: it may have acted
    assertTrue(down.mayHaveActed());
    assertTrue(throttled.mayHaveActed());
    assertTrue(bad.mayHaveActed());
  }

  @Test
  void aResultOverTheCapFailsWithoutBufferingItWhole() throws Exception {
    server.on(
        "/huge",
        (ex, body) -> {
          ex.sendResponseHeaders(200, 0);
          try (OutputStream out = ex.getResponseBody()) {
            for (int i = 0; i < 1000; i++) {
              out.write(new byte[1024]);
            }
          } catch (java.io.IOException clientGaveUp) {
            // expected: the executor cancels the stream once the cap is crossed
          }
        });
    ToolResult.Failure failure =
        (ToolResult.Failure) run("POST", "/huge", "{}", Duration.ofSeconds(5));
    assertEquals("result_too_large", failure.code());
    assertFalse(failure.retryable());
  }

  @Test
  void aToolSlowerThanItsTimeoutFailsRetryably() throws Exception {
    server.on(
        "/slow",
        (ex, body) -> {
          try {
            Thread.sleep(1_500);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          LocalHttpServer.respond(ex, 200, "late");
        });
    ToolResult.Failure failure =
        (ToolResult.Failure) run("POST", "/slow", "{}", Duration.ofMillis(200));
    assertEquals("timeout", failure.code());
    assertTrue(failure.retryable());
    assertTrue(failure.mayHaveActed(), "the tool got the request and may still be working");
  }

  @Test
  void aRefusedConnectionIsARetryableFailure() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    ToolSpec spec =
        new ToolSpec(
            "t",
            1,
            "",
            json("{}"),
            true,
            Duration.ofSeconds(1),
            new RetryPolicy(1, Duration.ZERO, null),
            new HttpTarget("POST", "http://127.0.0.1:" + closedPort + "/x", null));
    ToolResult result =
        executor
            .execute(
                new ToolInvocation(
                    spec,
                    json("{}"),
                    "k",
                    1,
                    new ToolInvocation.CallContext("a", "b", "c", "d", "e", "f")))
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
    ToolResult.Failure failure = assertInstanceOf(ToolResult.Failure.class, result);
    assertEquals("connection_failed", failure.code());
    assertTrue(failure.retryable());
    assertFalse(failure.mayHaveActed(), "no connection, so the tool never saw the request");
  }
}

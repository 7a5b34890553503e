package io.statehouse.runtime.tool.http;

import static io.statehouse.runtime.testing.Specs.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.catalog.HeaderValue;
import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.catalog.RetryPolicy;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.secret.SecretResolver;
import io.statehouse.runtime.testing.LocalHttpServer;
import io.statehouse.runtime.testing.Specs;
import io.statehouse.runtime.tool.ToolInvocation;
import io.statehouse.runtime.tool.ToolResult;
import io.statehouse.runtime.tool.egress.EgressGuard;
import io.statehouse.runtime.tool.egress.NodePorts;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpToolExecutorTest {
  private final LocalHttpServer server = newServer();
  // the test servers are on loopback, which only the dev config opens; tenant acme has one secret
  private static final Config CONFIG =
      ConfigFactory.parseString(
              "statehouse.egress.default.allow-cidrs = [\"127.0.0.0/8\", \"::1/128\"]\n"
                  + "statehouse.secrets.acme.TOOL_KEY = \"s3cr3t-value\"\n"
                  + "statehouse.secrets.acme.BROKEN = \"abc\\r\\nX-Injected: yes\"\n")
          .withFallback(ConfigFactory.defaultReference())
          .resolve();

  private final HttpToolExecutor executor = executor(CONFIG, NodePorts.none());

  private static HttpToolExecutor executor(Config config, NodePorts ports) {
    return new HttpToolExecutor(
        Duration.ofSeconds(2),
        1024,
        EgressGuard.fromConfig(config, ports),
        SecretResolver.fromConfig(config));
  }

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
    return run(method, path, input, timeout, Set.of());
  }

  private ToolResult run(
      String method, String path, String input, Duration timeout, Set<Integer> notApplied)
      throws Exception {
    return executor
        .execute(invocation(method, path, input, timeout, notApplied))
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private ToolInvocation invocation(
      String method, String path, String input, Duration timeout, Set<Integer> notApplied) {
    ToolSpec spec =
        new ToolSpec(
            "t",
            1,
            "",
            Specs.json("{}"),
            true,
            timeout,
            new RetryPolicy(1, Duration.ZERO, null),
            new HttpTarget(
                method,
                server.url(path),
                Map.of(
                    "X-Api-Key",
                    new HeaderValue.SecretRef("TOOL_KEY"),
                    "X-Region",
                    new HeaderValue.Literal("eu")),
                notApplied));
    ToolInvocation invocation =
        new ToolInvocation(
            spec,
            json(input),
            "ses_1/call_0_0",
            1,
            new ToolInvocation.CallContext(
                "acme", "alice", "ses_1", "helper", "turn_1", "call_0_0"));
    return invocation;
  }

  @Test
  void sendsTheIdentityTokenMadeAheadInsteadOfSigningOneAsItSends() throws Exception {
    server.on("/orders", (ex, body) -> LocalHttpServer.respond(ex, 200, "{}"));
    AtomicInteger signatures = new AtomicInteger();
    HttpToolExecutor signing =
        executor(CONFIG, NodePorts.none())
            .withIdentity(inv -> "signed-" + signatures.incrementAndGet());
    ToolInvocation inv = invocation("POST", "/orders", "{}", Duration.ofSeconds(2), Set.of());
    String ahead = signing.identityToken(inv);

    ToolResult result =
        signing
            .execute(inv.withIdentityToken(CompletableFuture.completedFuture(ahead)))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);

    assertInstanceOf(ToolResult.Success.class, result);
    assertEquals("signed-1", server.seen().get(0).headers().getFirst("X-Statehouse-Identity"));
    assertEquals(1, signatures.get(), "the attempt signed nothing of its own");
  }

  @Test
  void signsItsOwnTokenAsItSendsWhenTheOneMadeAheadFailed() throws Exception {
    server.on("/orders", (ex, body) -> LocalHttpServer.respond(ex, 200, "{}"));
    HttpToolExecutor signing = executor(CONFIG, NodePorts.none()).withIdentity(inv -> "fresh");
    ToolInvocation inv =
        invocation("POST", "/orders", "{}", Duration.ofSeconds(2), Set.of())
            .withIdentityToken(CompletableFuture.failedFuture(new IllegalStateException("x")));

    ToolResult result = signing.execute(inv).toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertInstanceOf(ToolResult.Success.class, result);
    assertEquals("fresh", server.seen().get(0).headers().getFirst("X-Statehouse-Identity"));
  }

  @Test
  void aLaterAttemptMakesATokenOfItsOwn() {
    ToolInvocation first =
        invocation("POST", "/orders", "{}", Duration.ofSeconds(2), Set.of())
            .withIdentityToken(CompletableFuture.completedFuture("t1"));
    assertNull(first.nextAttempt().identityToken());
    assertEquals(2, first.nextAttempt().attempt());
  }

  @Test
  void onlyAStatusTheToolDocumentsAsNotAppliedProvesItDidNotAct() throws Exception {
    server.on("/pay", (ex, body) -> LocalHttpServer.respond(ex, 409, "{\"error\":\"duplicate\"}"));

    ToolResult declared = run("POST", "/pay", "{}", Duration.ofSeconds(2), Set.of(409, 422));
    ToolResult undeclared = run("POST", "/pay", "{}", Duration.ofSeconds(2), Set.of(422));

    ToolResult.Failure plain = assertInstanceOf(ToolResult.Failure.class, declared);
    assertEquals("http_409", plain.code());
    assertFalse(plain.mayHaveActed(), "the tool documents 409 as not applied");
    assertFalse(plain.retryable());
    ToolResult.Failure doubtful = assertInstanceOf(ToolResult.Failure.class, undeclared);
    assertTrue(doubtful.mayHaveActed(), "an undeclared 4xx may have acted");
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
    assertEquals("s3cr3t-value", seen.headers().getFirst("X-Api-Key"), "resolved at call time");
    assertEquals("eu", seen.headers().getFirst("X-Region"));
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

  // ---- egress and secrets: every refusal below must leave the tool server untouched ----------

  private ToolResult call(HttpToolExecutor with, String tenant, String url, HttpTarget target)
      throws Exception {
    ToolSpec spec =
        new ToolSpec(
            "t",
            1,
            "",
            json("{}"),
            true,
            Duration.ofSeconds(2),
            new RetryPolicy(1, Duration.ZERO, null),
            target == null ? new HttpTarget("POST", url, null) : target);
    return with.execute(
            new ToolInvocation(
                spec,
                json("{}"),
                "k",
                1,
                new ToolInvocation.CallContext(tenant, "alice", "s", "a", "turn", "call")))
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private int serverPort() {
    return URI.create(server.url("/")).getPort();
  }

  private static ToolResult.Failure denied(ToolResult result) {
    ToolResult.Failure f = assertInstanceOf(ToolResult.Failure.class, result);
    assertEquals("egress_denied", f.code(), f.message());
    assertFalse(f.mayHaveActed(), "a refused call never left the node");
    assertFalse(f.retryable(), "the policy will refuse it again");
    return f;
  }

  private void recordEverything() {
    server.on("/", (ex, body) -> LocalHttpServer.respond(ex, 200, "{}"));
  }

  @Test
  void refusesTheCloudMetadataEndpoint() throws Exception {
    ToolResult.Failure f =
        denied(call(executor, "acme", "http://169.254.169.254/latest/meta-data", null));
    assertEquals(
        "169.254.169.254 is not allowed by the egress policy of tenant acme (cloud metadata)",
        f.message());
  }

  @Test
  void refusesEverySpellingOfTheMetadataAddress() throws Exception {
    for (String url :
        List.of(
            "http://2852039166/latest/meta-data",
            "http://[::ffff:169.254.169.254]/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://[::169.254.169.254]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[fd00:ec2::254]/",
            "http://100.100.100.200/",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://METADATA.google.internal./")) {
      ToolResult.Failure f = denied(call(executor, "acme", url, null));
      assertTrue(f.message().contains("cloud metadata"), url + ": " + f.message());
    }
  }

  @Test
  void refusesAHostNameThatResolvesToLoopbackWhenLoopbackIsBlocked() throws Exception {
    recordEverything();
    HttpToolExecutor production =
        executor(ConfigFactory.defaultReference().resolve(), NodePorts.none());

    ToolResult.Failure f =
        denied(call(production, "acme", "http://localhost:" + serverPort() + "/x", null));

    assertTrue(f.message().contains("resolves to a loopback address"), f.message());
    assertEquals(List.of(), server.seen(), "the tool server got nothing");
  }

  @Test
  void refusesTheNodesOwnPortsEvenWhereLoopbackIsAllowed() throws Exception {
    recordEverything();
    HttpToolExecutor node = executor(CONFIG, new NodePorts(serverPort(), Set.of()));

    ToolResult.Failure viaIp = denied(call(node, "acme", server.url("/v1/sessions"), null));
    ToolResult.Failure viaName =
        denied(call(node, "acme", "http://localhost:" + serverPort() + "/v1/sessions", null));

    assertTrue(viaIp.message().contains("the node's own port " + serverPort()), viaIp.message());
    assertTrue(viaName.message().contains("the node's own port"), viaName.message());
    assertEquals(List.of(), server.seen());
  }

  @Test
  void opensOnlyTheConfiguredPathsOfTheNodesHttpPortAndNoDotSegments() throws Exception {
    recordEverything();
    Config demo =
        ConfigFactory.parseString("statehouse.egress.default.node-http-paths = [\"/demo/tools/\"]")
            .withFallback(CONFIG);
    HttpToolExecutor node = executor(demo, new NodePorts(serverPort(), Set.of()));

    ToolResult ok = call(node, "acme", server.url("/demo/tools/weather"), null);
    denied(call(node, "acme", server.url("/demo/tools/../../v1/sessions"), null));
    denied(call(node, "acme", server.url("/demo/tools/%2e%2e/v1/sessions"), null));
    denied(call(node, "acme", server.url("/v1/sessions"), null));

    assertInstanceOf(ToolResult.Success.class, ok);
    assertEquals(1, server.seen().size(), "only the demo path was called");
    assertEquals("/demo/tools/weather", server.seen().get(0).path());
  }

  @Test
  void aTenantAllowedACidrReachesItWhereAnotherTenantIsRefused() throws Exception {
    server.on("/x", (ex, body) -> LocalHttpServer.respond(ex, 200, "{}"));
    Config perTenant =
        ConfigFactory.parseString("statehouse.egress.tenants.acme.allow-cidrs = [\"127.0.0.0/8\"]")
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    HttpToolExecutor node = executor(perTenant, NodePorts.none());

    ToolResult acme = call(node, "acme", server.url("/x"), null);
    ToolResult.Failure globex = denied(call(node, "globex", server.url("/x"), null));

    assertInstanceOf(ToolResult.Success.class, acme);
    assertTrue(globex.message().contains("tenant globex"), globex.message());
    assertEquals(1, server.seen().size());
  }

  @Test
  void refusesUserInfoAndOtherSchemesAtCallTime() throws Exception {
    recordEverything();
    denied(call(executor, "acme", "http://user:pw@127.0.0.1:" + serverPort() + "/x", null));
    denied(call(executor, "acme", "ftp://127.0.0.1:" + serverPort() + "/x", null));
    assertEquals(List.of(), server.seen());
  }

  @Test
  void aSecretRemovedSinceRegistrationFailsWithoutSendingAnything() throws Exception {
    recordEverything();
    HttpTarget target =
        new HttpTarget(
            "POST", server.url("/x"), Map.of("Authorization", new HeaderValue.SecretRef("GONE")));

    ToolResult.Failure f =
        assertInstanceOf(
            ToolResult.Failure.class, call(executor, "acme", server.url("/x"), target));

    assertEquals("secret_missing", f.code());
    assertFalse(f.mayHaveActed());
    assertEquals("secret GONE (header Authorization) is not defined for tenant acme", f.message());
    assertEquals(List.of(), server.seen());
  }

  @Test
  void aTenantCannotUseAnotherTenantsSecret() throws Exception {
    recordEverything();
    HttpTarget target =
        new HttpTarget(
            "POST", server.url("/x"), Map.of("X-Api-Key", new HeaderValue.SecretRef("TOOL_KEY")));

    ToolResult.Failure f =
        assertInstanceOf(
            ToolResult.Failure.class, call(executor, "globex", server.url("/x"), target));

    assertEquals("secret_missing", f.code(), "TOOL_KEY is acme's, not globex's");
    assertEquals(List.of(), server.seen());
  }

  @Test
  void aSecretHttpCannotCarryIsNeverQuotedInTheFailure() throws Exception {
    recordEverything();
    HttpTarget target =
        new HttpTarget(
            "POST", server.url("/x"), Map.of("X-Api-Key", new HeaderValue.SecretRef("BROKEN")));

    ToolResult.Failure f =
        assertInstanceOf(
            ToolResult.Failure.class, call(executor, "acme", server.url("/x"), target));

    assertEquals("invalid_request", f.code());
    // the JDK's own message would quote the value; ours names the header only
    assertFalse(f.message().contains("abc") || f.message().contains("Injected"), f.message());
    assertFalse(f.toString().contains("abc"));
    assertEquals(List.of(), server.seen());
  }
}

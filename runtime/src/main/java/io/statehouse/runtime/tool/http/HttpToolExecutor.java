package io.statehouse.runtime.tool.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.statehouse.runtime.catalog.HeaderValue;
import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.secret.SecretResolver;
import io.statehouse.runtime.telemetry.TraceParent;
import io.statehouse.runtime.tool.ToolExecutor;
import io.statehouse.runtime.tool.ToolInvocation;
import io.statehouse.runtime.tool.ToolResult;
import io.statehouse.runtime.tool.egress.Admission;
import io.statehouse.runtime.tool.egress.EgressGuard;
import io.statehouse.runtime.tool.egress.NodePorts;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs HTTP tools with the JDK's asynchronous client. The tool's input is the JSON body (query
 * parameters for GET and DELETE). Every call carries {@code Idempotency-Key} and the identity it
 * runs under as {@code X-Statehouse-*} headers, so a tool can de-duplicate and authorize, and the
 * W3C trace context of the call's span ({@code traceparent}, {@code tracestate}) when the node
 * traces.
 *
 * <p>Before connecting, the call's tenant must be allowed to reach the host by the egress policy
 * (checked on every address the host resolves to, see {@link EgressGuard}), and the tool's secret
 * header references are resolved for that tenant; either failing is a failure that proves nothing
 * was sent. Header values never appear in a failure message. Redirects are not followed: a tool
 * cannot bounce the call past the egress policy.
 *
 * <p>Responses larger than the configured cap are cut off while streaming, never buffered whole.
 * 2xx is success; 408, 429 and 5xx are retryable failures; other statuses are final failures the
 * model is told about. Every non-2xx answer may have acted, except a status the tool lists in
 * {@link HttpTarget#notApplied()}: that one proves the tool did nothing, so even a non-idempotent
 * call that gets it is a plain failure rather than an unknown outcome.
 */
public final class HttpToolExecutor implements ToolExecutor {
  private static final int ERROR_SNIPPET_CHARS = 500;

  private final HttpClient client;
  private final int maxResultBytes;
  private final EgressGuard egress;
  private final SecretResolver secrets;
  // issues the call's identity token (a JWT signed by the node), per attempt; null: none sent
  private java.util.function.Function<ToolInvocation, String> identity;

  public HttpToolExecutor(
      Duration connectTimeout, int maxResultBytes, EgressGuard egress, SecretResolver secrets) {
    this.client =
        HttpClient.newBuilder()
            // plain HTTP/1.1: the JDK's h2c upgrade attempt confuses many simple tool servers
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            // no proxy: the host checked by the egress policy is the host connected to
            .proxy(HttpClient.Builder.NO_PROXY)
            .build();
    this.maxResultBytes = maxResultBytes;
    this.egress = egress;
    this.secrets = secrets;
  }

  /**
   * Sends every attempt's identity token, from {@code tokens}, as {@code X-Statehouse-Identity}: a
   * short-lived JWT the tool's service verifies against the node's JWKS. Call once, at wiring.
   */
  public HttpToolExecutor withIdentity(java.util.function.Function<ToolInvocation, String> tokens) {
    this.identity = tokens;
    return this;
  }

  /**
   * The node's executor: {@code statehouse.tools}, {@code statehouse.egress} and {@code
   * statehouse.secrets}; {@code nodePorts} are the ports no tool may call.
   */
  public static HttpToolExecutor fromConfig(Config config, NodePorts nodePorts) {
    return fromConfig(config, EgressGuard.fromConfig(config, nodePorts));
  }

  /** As {@link #fromConfig(Config, NodePorts)}, checking calls with {@code egress}. */
  public static HttpToolExecutor fromConfig(Config config, EgressGuard egress) {
    Config tools = config.getConfig("statehouse.tools");
    return new HttpToolExecutor(
        tools.getDuration("connect-timeout"),
        (int) tools.getMemorySize("max-result-size").toBytes(),
        egress,
        SecretResolver.fromConfig(config));
  }

  @Override
  public String identityToken(ToolInvocation invocation) {
    return identity == null ? null : identity.apply(invocation);
  }

  @Override
  public CompletionStage<ToolResult> execute(ToolInvocation invocation) {
    return ToolExecutor.sendWithTokenAhead(
        invocation, (token, ahead) -> execute(invocation, token, ahead));
  }

  /** {@code ahead}: {@code token} was made ahead (null: none is sent); else it is made here. */
  private CompletionStage<ToolResult> execute(
      ToolInvocation invocation, String token, boolean ahead) {
    String tenant = invocation.context().tenant();
    HttpRequest request;
    try {
      URI uri = uri(invocation);
      // what needs no lookup (scheme, user info, host rules) is refused before anything else
      Optional<String> refused = egress.policy().refusalBeforeLookup(tenant, uri);
      if (refused.isPresent()) {
        throw new Unsendable("egress_denied", refused.get());
      }
      request = buildRequest(invocation, uri, token, ahead);
    } catch (Unsendable u) {
      return CompletableFuture.completedFuture(u.failure);
    }
    Duration timeout = invocation.spec().timeout();
    return egress
        .admit(tenant, request.uri())
        .thenCompose(
            admission -> {
              if (admission instanceof Admission.Refused r) {
                return CompletableFuture.completedFuture(
                    ToolResult.Failure.notSent("egress_denied", r.message(), false));
              }
              if (admission instanceof Admission.Unresolved u) {
                return CompletableFuture.completedFuture(
                    ToolResult.Failure.notSent("connection_failed", u.message(), true));
              }
              return send(request, timeout, invocation.spec().http());
            });
  }

  private CompletableFuture<ToolResult> send(
      HttpRequest request, Duration timeout, HttpTarget target) {
    return client
        .sendAsync(request, info -> LimitedBodySubscriber.of(maxResultBytes))
        .toCompletableFuture()
        // the request timeout covers the response head only; this covers a slow body too
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (response, error) ->
                error == null ? fromResponse(response, target) : fromError(error, timeout));
  }

  /** A request that cannot be made; its failure proves nothing was sent. */
  private static final class Unsendable extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient ToolResult.Failure failure;

    Unsendable(String code, String message) {
      super(message, null, false, false);
      this.failure = ToolResult.Failure.notSent(code, message, false);
    }
  }

  private static URI uri(ToolInvocation invocation) throws Unsendable {
    HttpTarget http = invocation.spec().http();
    try {
      return URI.create(http.sendsBody() ? http.url() : withQuery(http.url(), invocation.input()));
    } catch (IllegalArgumentException e) {
      throw new Unsendable("invalid_request", "the tool URL is not valid: " + e.getMessage());
    }
  }

  private HttpRequest buildRequest(
      ToolInvocation invocation, URI uri, String tokenAhead, boolean ahead) throws Unsendable {
    HttpTarget http = invocation.spec().http();
    JsonNode input = invocation.input();
    ToolInvocation.CallContext ctx = invocation.context();
    HttpRequest.Builder b;
    try {
      b = HttpRequest.newBuilder(uri).timeout(invocation.spec().timeout());
    } catch (IllegalArgumentException e) {
      throw new Unsendable("invalid_request", "the tool URL is not valid: " + e.getMessage());
    }
    for (Map.Entry<String, HeaderValue> h : http.headers().entrySet()) {
      String value;
      if (h.getValue() instanceof HeaderValue.SecretRef ref) {
        value =
            secrets
                .resolve(ctx.tenant(), ref.name())
                .orElseThrow(
                    () ->
                        new Unsendable(
                            "secret_missing",
                            "secret "
                                + ref.name()
                                + " (header "
                                + h.getKey()
                                + ") is not defined for tenant "
                                + ctx.tenant()));
      } else {
        value = ((HeaderValue.Literal) h.getValue()).value();
      }
      try {
        b.header(h.getKey(), value);
      } catch (IllegalArgumentException e) {
        // the JDK's message quotes the value, which may be a secret: never pass it on
        throw new Unsendable(
            "invalid_request",
            "header " + h.getKey() + " has a name or value that HTTP does not allow");
      }
    }
    try {
      b.header("Idempotency-Key", invocation.idempotencyKey());
      b.header("X-Statehouse-Tenant", ctx.tenant());
      b.header("X-Statehouse-Subject", ctx.subject());
      b.header("X-Statehouse-Session", ctx.sessionId());
      b.header("X-Statehouse-Agent", ctx.agent());
      b.header("X-Statehouse-Turn", ctx.turnId());
      b.header("X-Statehouse-Call", ctx.callId());
      b.header("X-Statehouse-Attempt", Integer.toString(invocation.attempt()));
      String token = ahead ? tokenAhead : identityToken(invocation);
      if (token != null) {
        b.header("X-Statehouse-Identity", token);
      }
      TraceParent trace = invocation.trace();
      if (trace != null) {
        // the call's span is the tool's parent; set, not added: a tool's own header of the same
        // name would otherwise make a second, conflicting one
        b.setHeader(TraceParent.TRACEPARENT, trace.traceParent());
        if (trace.traceState() != null) {
          b.setHeader(TraceParent.TRACESTATE, trace.traceState());
        }
      }
      b.header("Accept", "application/json, text/plain;q=0.9, */*;q=0.5");
      if (http.sendsBody()) {
        b.header("Content-Type", "application/json");
        b.method(http.method(), HttpRequest.BodyPublishers.ofByteArray(bytes(input)));
      } else {
        b.method(http.method(), HttpRequest.BodyPublishers.noBody());
      }
      return b.build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new Unsendable("invalid_request", e.getMessage());
    }
  }

  private static byte[] bytes(JsonNode input) {
    try {
      return Json.MAPPER.writeValueAsBytes(input == null ? Json.object() : input);
    } catch (Exception e) {
      throw new IllegalArgumentException("input is not serializable: " + e.getMessage(), e);
    }
  }

  private static String withQuery(String url, JsonNode input) {
    if (input == null || !input.isObject() || input.isEmpty()) {
      return url;
    }
    StringBuilder q = new StringBuilder(url).append(url.contains("?") ? '&' : '?');
    boolean first = true;
    for (Map.Entry<String, JsonNode> f : input.properties()) {
      if (!first) {
        q.append('&');
      }
      first = false;
      String value = f.getValue().isValueNode() ? f.getValue().asText() : f.getValue().toString();
      q.append(URLEncoder.encode(f.getKey(), StandardCharsets.UTF_8))
          .append('=')
          .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
    return q.toString();
  }

  private static ToolResult fromResponse(HttpResponse<byte[]> response, HttpTarget target) {
    int status = response.statusCode();
    String body = new String(response.body(), StandardCharsets.UTF_8);
    if (status >= 200 && status < 300) {
      return new ToolResult.Success(body);
    }
    boolean retryable = status == 408 || status == 429 || status >= 500;
    String snippet =
        body.length() > ERROR_SNIPPET_CHARS ? body.substring(0, ERROR_SNIPPET_CHARS) + "…" : body;
    String message = "tool answered HTTP " + status + ": " + snippet;
    if (target.provesNotApplied(status)) {
      // the tool documents this answer as "nothing was done": a plain failure, never unknown
      return ToolResult.Failure.notSent("http_" + status, message, retryable);
    }
    return new ToolResult.Failure("http_" + status, message, retryable);
  }

  private ToolResult fromError(Throwable error, Duration timeout) {
    Throwable e =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (e instanceof LimitedBodySubscriber.TooLarge) {
      return new ToolResult.Failure(
          "result_too_large", "tool result exceeds the cap of " + maxResultBytes + " bytes", false);
    }
    if (e instanceof HttpConnectTimeoutException || e instanceof ConnectException) {
      // no connection was made: the request never reached the tool
      return ToolResult.Failure.notSent(
          "connection_failed", "cannot connect: " + e.getMessage(), true);
    }
    if (e instanceof HttpTimeoutException || e instanceof TimeoutException) {
      return new ToolResult.Failure("timeout", "no complete answer within " + timeout, true);
    }
    return new ToolResult.Failure(
        "io_error", e.getClass().getSimpleName() + ": " + e.getMessage(), true);
  }
}

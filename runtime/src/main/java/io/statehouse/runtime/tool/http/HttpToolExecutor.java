package io.statehouse.runtime.tool.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.tool.ToolExecutor;
import io.statehouse.runtime.tool.ToolInvocation;
import io.statehouse.runtime.tool.ToolResult;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs HTTP tools with the JDK's asynchronous client. The tool's input is the JSON body (query
 * parameters for GET and DELETE). Every call carries {@code Idempotency-Key} and the identity it
 * runs under as {@code X-Statehouse-*} headers, so a tool can de-duplicate and authorize.
 *
 * <p>Responses larger than the configured cap are cut off while streaming, never buffered whole.
 * 2xx is success; 408, 429 and 5xx are retryable failures; other statuses are final failures the
 * model is told about.
 */
public final class HttpToolExecutor implements ToolExecutor {
  private static final int ERROR_SNIPPET_CHARS = 500;

  private final HttpClient client;
  private final int maxResultBytes;

  public HttpToolExecutor(Duration connectTimeout, int maxResultBytes) {
    this.client =
        HttpClient.newBuilder()
            // plain HTTP/1.1: the JDK's h2c upgrade attempt confuses many simple tool servers
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.maxResultBytes = maxResultBytes;
  }

  @Override
  public CompletionStage<ToolResult> execute(ToolInvocation invocation) {
    HttpRequest request;
    try {
      request = buildRequest(invocation);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(
          ToolResult.Failure.notSent("invalid_request", e.getMessage(), false));
    }
    Duration timeout = invocation.spec().timeout();
    return client
        .sendAsync(request, info -> LimitedBodySubscriber.of(maxResultBytes))
        .toCompletableFuture()
        // the request timeout covers the response head only; this covers a slow body too
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (response, error) ->
                error == null ? fromResponse(response) : fromError(error, timeout));
  }

  private HttpRequest buildRequest(ToolInvocation invocation) {
    HttpTarget http = invocation.spec().http();
    JsonNode input = invocation.input();
    URI uri = URI.create(http.sendsBody() ? http.url() : withQuery(http.url(), input));
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(invocation.spec().timeout());
    http.headers().forEach(b::header);
    ToolInvocation.CallContext ctx = invocation.context();
    b.header("Idempotency-Key", invocation.idempotencyKey());
    b.header("X-Statehouse-Tenant", ctx.tenant());
    b.header("X-Statehouse-Subject", ctx.subject());
    b.header("X-Statehouse-Session", ctx.sessionId());
    b.header("X-Statehouse-Agent", ctx.agent());
    b.header("X-Statehouse-Turn", ctx.turnId());
    b.header("X-Statehouse-Call", ctx.callId());
    b.header("X-Statehouse-Attempt", Integer.toString(invocation.attempt()));
    b.header("Accept", "application/json, text/plain;q=0.9, */*;q=0.5");
    if (http.sendsBody()) {
      b.header("Content-Type", "application/json");
      b.method(http.method(), HttpRequest.BodyPublishers.ofByteArray(bytes(input)));
    } else {
      b.method(http.method(), HttpRequest.BodyPublishers.noBody());
    }
    return b.build();
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

  private static ToolResult fromResponse(HttpResponse<byte[]> response) {
    int status = response.statusCode();
    String body = new String(response.body(), StandardCharsets.UTF_8);
    if (status >= 200 && status < 300) {
      return new ToolResult.Success(body);
    }
    boolean retryable = status == 408 || status == 429 || status >= 500;
    String snippet =
        body.length() > ERROR_SNIPPET_CHARS ? body.substring(0, ERROR_SNIPPET_CHARS) + "…" : body;
    return new ToolResult.Failure(
        "http_" + status, "tool answered HTTP " + status + ": " + snippet, retryable);
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

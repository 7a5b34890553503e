package io.statehouse.runtime.tool.mcp;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.statehouse.runtime.Futures;
import io.statehouse.runtime.catalog.McpTarget;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.tool.ToolExecutor;
import io.statehouse.runtime.tool.ToolInvocation;
import io.statehouse.runtime.tool.ToolResult;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Runs tools of MCP servers ({@code tools/call}) through the pooled clients of {@link McpClients},
 * one attempt per call, bounded by the tool's timeout. The call carries its idempotency key and who
 * it runs for in {@code _meta} (and the identity token, when the node issues them).
 *
 * <p>What the outcome means for a non-idempotent tool (DESIGN.md §2):
 *
 * <ul>
 *   <li>nothing sent, so a plain failure the model hears: the server could not be started or did
 *       not initialize, egress refused, a secret missing, the request could not be written, a
 *       JSON-RPC error that refuses the request itself (unknown tool, invalid params, no such
 *       method, malformed request);
 *   <li>the server answered with a result: success;
 *   <li>the server answered {@code isError: true}: the tool ran and says it failed, which does not
 *       prove it did nothing (it may have acted before failing), so like an undeclared HTTP 4xx it
 *       is an unknown outcome for a non-idempotent tool and a failure the model hears for an
 *       idempotent one;
 *   <li>may have acted, so an unknown outcome for a human: no answer within the timeout (MCP sends
 *       no cancellation; the server may finish the work later), the server ended or the connection
 *       broke after the request was sent, any other JSON-RPC error.
 * </ul>
 */
public final class McpToolExecutor implements ToolExecutor {
  private static final String META = "io.statehouse/";
  // JSON-RPC errors a server answers before running anything: the request itself was refused
  private static final Set<Integer> REFUSED_REQUEST = Set.of(-32700, -32600, -32601, -32602);
  private static final int SNIPPET = 500;

  private final McpClients clients;
  private final int maxResultBytes;
  // the call's identity token (a JWT signed by the node); null: none sent
  private Function<ToolInvocation, String> identity;

  public McpToolExecutor(McpClients clients) {
    this.clients = clients;
    this.maxResultBytes = clients.settings().maxResultBytes();
  }

  /** Sends every attempt's identity token in {@code _meta}. Call once, at wiring. */
  public McpToolExecutor withIdentity(Function<ToolInvocation, String> tokens) {
    this.identity = tokens;
    return this;
  }

  public McpClients clients() {
    return clients;
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
    McpTarget target = invocation.spec().mcp();
    McpSchema.CallToolRequest request;
    try {
      request = request(invocation, target, ahead ? token : identityToken(invocation));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(
          ToolResult.Failure.notSent(
              "invalid_request", "the call could not be built: " + e.getMessage(), false));
    }
    Duration timeout = invocation.spec().timeout();
    return clients
        .call(invocation.context().tenant(), target, request, timeout)
        .handle(
            (result, error) ->
                error == null ? fromResult(result) : fromError(target, error, timeout));
  }

  private McpSchema.CallToolRequest request(
      ToolInvocation invocation, McpTarget target, String identityToken) {
    Map<String, Object> arguments =
        Json.MAPPER.convertValue(
            invocation.input() == null ? Json.object() : invocation.input(),
            new TypeReference<Map<String, Object>>() {});
    ToolInvocation.CallContext c = invocation.context();
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put(META + "idempotencyKey", invocation.idempotencyKey());
    meta.put(META + "attempt", invocation.attempt());
    meta.put(META + "tenant", c.tenant());
    meta.put(META + "subject", c.subject());
    meta.put(META + "session", c.sessionId());
    meta.put(META + "agent", c.agent());
    meta.put(META + "turn", c.turnId());
    meta.put(META + "call", c.callId());
    if (identityToken != null) {
      meta.put(META + "identity", identityToken);
    }
    return McpSchema.CallToolRequest.builder(target.tool()).arguments(arguments).meta(meta).build();
  }

  /** A server's answer as the model sees it: its text, else its structured content as JSON. */
  ToolResult fromResult(McpSchema.CallToolResult result) {
    String content = content(result);
    if (content.getBytes(StandardCharsets.UTF_8).length > maxResultBytes) {
      return new ToolResult.Failure(
          "result_too_large", "tool result exceeds the cap of " + maxResultBytes + " bytes", false);
    }
    if (Boolean.TRUE.equals(result.isError())) {
      // the tool ran and says it failed; it may have acted first, so a non-idempotent tool's
      // outcome is for a human to decide (an idempotent one's failure goes to the model)
      return new ToolResult.Failure("tool_error", content, false, true);
    }
    return new ToolResult.Success(content);
  }

  static String content(McpSchema.CallToolResult result) {
    List<String> parts = new ArrayList<>();
    if (result.content() != null) {
      for (McpSchema.Content c : result.content()) {
        parts.add(part(c));
      }
    }
    if (parts.isEmpty() && result.structuredContent() != null) {
      JsonNode structured = Json.MAPPER.valueToTree(result.structuredContent());
      return structured.toString();
    }
    return String.join("\n", parts);
  }

  /** Text as it is; binary content (images, audio, blobs) as a short description, not its data. */
  private static String part(McpSchema.Content c) {
    if (c instanceof McpSchema.TextContent t) {
      return t.text() == null ? "" : t.text();
    }
    if (c instanceof McpSchema.ImageContent i) {
      return "[image " + i.mimeType() + ", " + length(i.data()) + " base64 characters]";
    }
    if (c instanceof McpSchema.AudioContent a) {
      return "[audio " + a.mimeType() + ", " + length(a.data()) + " base64 characters]";
    }
    if (c instanceof McpSchema.EmbeddedResource r) {
      if (r.resource() instanceof McpSchema.TextResourceContents text) {
        return text.text() == null ? "" : text.text();
      }
      if (r.resource() instanceof McpSchema.BlobResourceContents blob) {
        return "[resource " + blob.uri() + ", " + blob.mimeType() + "]";
      }
      return "[resource]";
    }
    if (c instanceof McpSchema.ResourceLink link) {
      return "[resource link " + link.uri() + "]";
    }
    return "[" + c.type() + " content]";
  }

  private static int length(String s) {
    return s == null ? 0 : s.length();
  }

  private static ToolResult fromError(McpTarget target, Throwable error, Duration timeout) {
    Throwable e = Futures.unwrap(error);
    java.util.Optional<McpClients.Unavailable> unavailable = McpClients.find(e);
    if (unavailable.isPresent()) {
      McpClients.Unavailable u = unavailable.get();
      return ToolResult.Failure.notSent(u.code(), u.getMessage(), u.retryable());
    }
    if (e instanceof TimeoutException) {
      return new ToolResult.Failure(
          "timeout",
          "MCP server " + target.server() + " did not answer within " + timeout,
          true,
          true);
    }
    if (e instanceof McpError m && m.getJsonRpcError() != null) {
      int code = m.getJsonRpcError().code() == null ? 0 : m.getJsonRpcError().code();
      String message =
          "MCP server " + target.server() + " answered error " + code + ": " + snippet(m);
      if (REFUSED_REQUEST.contains(code)) {
        return ToolResult.Failure.notSent("mcp_error_" + Math.abs(code), message, false);
      }
      return new ToolResult.Failure("mcp_error_" + Math.abs(code), message, code == -32603, true);
    }
    if (notSent(e)) {
      return ToolResult.Failure.notSent(
          "mcp_unavailable",
          "MCP server " + target.server() + " could not be reached: " + McpClients.summary(e),
          true);
    }
    if (terminated(e)) {
      return new ToolResult.Failure(
          "mcp_server_ended",
          "MCP server " + target.server() + " ended while the call was running",
          true,
          true);
    }
    return new ToolResult.Failure(
        "io_error",
        "the call to MCP server " + target.server() + " broke off: " + McpClients.summary(e),
        true,
        true);
  }

  /**
   * Whether the request cannot have reached the server: it could not be written, no connection was
   * made, or the client failed to initialize (the SDK only sends a call after initialize).
   */
  private static boolean notSent(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (e instanceof StdioProcessTransport.NotDelivered
          || e instanceof ConnectException
          || (e.getMessage() != null && e.getMessage().startsWith("Client failed to initialize"))) {
        return true;
      }
    }
    return false;
  }

  /** The SDK's words when the client closed with the call pending: the server ended. */
  private static boolean terminated(Throwable e) {
    return e.getMessage() != null && e.getMessage().contains("session with server terminated");
  }

  private static String snippet(McpError m) {
    String text = m.getJsonRpcError().message() == null ? "" : m.getJsonRpcError().message();
    return text.length() > SNIPPET ? text.substring(0, SNIPPET) + "…" : text;
  }
}

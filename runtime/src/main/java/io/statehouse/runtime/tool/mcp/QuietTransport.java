package io.statehouse.runtime.tool.mcp;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * A transport that drops the "list changed" notifications a server may send. The SDK's client
 * answers each by listing everything again, following every page the server offers and keeping them
 * all in memory: a server could make the node do unbounded work. The node lists tools only when
 * asked to (registration, {@code GET …/tools}), within its limits.
 */
final class QuietTransport implements McpClientTransport {
  private static final Set<String> DROPPED =
      Set.of(
          "notifications/tools/list_changed",
          "notifications/resources/list_changed",
          "notifications/resources/updated",
          "notifications/prompts/list_changed");

  private final McpClientTransport inner;

  QuietTransport(McpClientTransport inner) {
    this.inner = inner;
  }

  @Override
  public Mono<Void> connect(
      Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
    return inner.connect(message -> handler.apply(message.filter(QuietTransport::kept)));
  }

  private static boolean kept(McpSchema.JSONRPCMessage message) {
    return !(message instanceof McpSchema.JSONRPCNotification n && DROPPED.contains(n.method()));
  }

  @Override
  public void setExceptionHandler(Consumer<Throwable> handler) {
    inner.setExceptionHandler(handler);
  }

  @Override
  public Mono<Void> closeGracefully() {
    return inner.closeGracefully();
  }

  @Override
  public void close() {
    inner.close();
  }

  @Override
  public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
    return inner.sendMessage(message);
  }

  @Override
  public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
    return inner.unmarshalFrom(data, typeRef);
  }

  @Override
  public List<String> protocolVersions() {
    return inner.protocolVersions();
  }
}

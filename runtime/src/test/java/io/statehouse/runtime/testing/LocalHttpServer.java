package io.statehouse.runtime.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/** A real HTTP server on loopback that records requests and answers by a per-path handler. */
public final class LocalHttpServer implements AutoCloseable {
  /** A request as the server saw it. */
  public record Seen(
      String method,
      String path,
      String query,
      String body,
      com.sun.net.httpserver.Headers headers) {}

  /** Answers one exchange. */
  public interface Handler {
    void handle(HttpExchange exchange, String body) throws IOException;
  }

  /** Answers one exchange whose body is binary (protobuf, say). */
  public interface BytesHandler {
    void handle(HttpExchange exchange, byte[] body) throws IOException;
  }

  static {
    // the JDK server leaves Nagle on by default, which adds ~40 ms delayed-ACK stalls to small
    // answers
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();

  public LocalHttpServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
  }

  public LocalHttpServer on(String path, Handler handler) {
    server.createContext(
        path,
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          seen.add(
              new Seen(
                  exchange.getRequestMethod(),
                  exchange.getRequestURI().getPath(),
                  exchange.getRequestURI().getRawQuery(),
                  body,
                  exchange.getRequestHeaders()));
          handler.handle(exchange, body);
        });
    return this;
  }

  /** Like {@link #on}, the body as the bytes that came (recorded as seen with an empty body). */
  public LocalHttpServer onBytes(String path, BytesHandler handler) {
    server.createContext(
        path,
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          seen.add(
              new Seen(
                  exchange.getRequestMethod(),
                  exchange.getRequestURI().getPath(),
                  exchange.getRequestURI().getRawQuery(),
                  "",
                  exchange.getRequestHeaders()));
          handler.handle(exchange, body);
        });
    return this;
  }

  public static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  public List<Seen> seen() {
    return List.copyOf(seen);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

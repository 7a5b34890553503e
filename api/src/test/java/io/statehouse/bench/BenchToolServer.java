package io.statehouse.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The benchmark's HTTP tool in a process of its own, so that its CPU is not counted as the node's:
 * {@code POST /echo} answers {@code {"ok":true}} at once and keeps nothing. Prints its port on the
 * first line of its output and runs until its parent closes its input (or dies).
 */
public final class BenchToolServer {
  private static final byte[] OK = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);

  private BenchToolServer() {}

  public static void main(String[] args) throws IOException {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext(
        "/echo",
        exchange -> {
          try (InputStream in = exchange.getRequestBody();
              OutputStream out = exchange.getResponseBody()) {
            in.readAllBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, OK.length);
            out.write(OK);
          }
        });
    server.start();
    System.out.println(server.getAddress().getPort());
    System.out.flush();
    // the parent closes our input when it is done, or dies: either way, stop
    while (System.in.read() >= 0) {
      // nothing to read but the end
    }
    server.stop(0);
    System.exit(0);
  }
}

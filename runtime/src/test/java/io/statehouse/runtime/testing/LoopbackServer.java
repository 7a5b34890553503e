package io.statehouse.runtime.testing;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JDK HTTP server on 127.0.0.1 and an ephemeral port, one handler for every path, a fixed pool
 * of named daemon threads: what the fake model endpoints run on. Closing stops the server at once
 * and interrupts the handlers (a stalled answer drops its connection).
 */
public final class LoopbackServer implements AutoCloseable {
  static {
    // the JDK server leaves Nagle on by default: ~40 ms delayed-ACK stalls between small writes
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final ExecutorService executor;

  private LoopbackServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Starts a server whose threads are named {@code name-1}, {@code name-2}, … */
  public static LoopbackServer start(String name, int threads, HttpHandler handler) {
    AtomicInteger count = new AtomicInteger();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            threads,
            task -> {
              Thread t = new Thread(task, name + "-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      executor.shutdownNow();
      throw new UncheckedIOException("cannot start " + name, e);
    }
    server.createContext("/", handler);
    server.setExecutor(executor);
    server.start();
    return new LoopbackServer(server, executor);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}

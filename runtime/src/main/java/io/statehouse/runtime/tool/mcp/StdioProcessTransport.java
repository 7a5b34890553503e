package io.statehouse.runtime.tool.mcp;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * An MCP server as a child process, spoken to over its stdin and stdout (one JSON-RPC message per
 * line). Used instead of the SDK's {@code StdioClientTransport}, which (2.1.0) gives the child the
 * node's whole environment (every tenant's {@code STATEHOUSE_SECRET_*}), stops reading for good at
 * the first line that is not JSON (a banner, a stray log line), and never notices the process
 * ending, so a call to a dead server waits for its timeout.
 *
 * <p>Here the child gets exactly {@code env} (the environment is cleared first); a line that is not
 * JSON-RPC is logged (shortened) and skipped; when the process ends, {@code onTerminated} runs at
 * once, and the pool closes the client, which fails the calls still waiting. Its stderr goes to the
 * node's log, line by line, each line and the number of lines bounded; it never reaches a caller.
 *
 * <p>Single use, like every SDK transport: after it ended, the pool builds a new one. Starting the
 * process and every write run on one thread of its own, in order, so the caller never blocks and no
 * message is written before the process exists.
 */
final class StdioProcessTransport implements McpClientTransport {
  private static final Logger log = LoggerFactory.getLogger(StdioProcessTransport.class);
  // a logger of its own, so operators can route or silence what servers print
  private static final Logger stderrLog =
      LoggerFactory.getLogger("io.statehouse.runtime.tool.mcp.stderr");
  private static final int SNIPPET = 200;

  private final List<String> command;
  private final Map<String, String> env;
  private final Path workingDir;
  private final McpJsonMapper mapper;
  private final int maxLineChars;
  private final int stderrMaxLine;
  private final int stderrMaxLines;
  private final Duration stopTimeout;
  private final String label;
  private final Runnable onTerminated;
  private final ExecutorService writer;
  private final AtomicBoolean connected = new AtomicBoolean();
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile Process process;
  private volatile boolean closing;

  StdioProcessTransport(
      List<String> command,
      Map<String, String> env,
      Path workingDir,
      McpJsonMapper mapper,
      McpSettings settings,
      String label,
      Runnable onTerminated) {
    this.command = List.copyOf(command);
    this.env = Map.copyOf(env);
    this.workingDir = workingDir;
    this.mapper = mapper;
    this.maxLineChars = settings.maxMessageBytes();
    this.stderrMaxLine = settings.stderrMaxLine();
    this.stderrMaxLines = settings.stderrMaxLines();
    this.stopTimeout = settings.stopTimeout();
    this.label = label;
    this.onTerminated = onTerminated;
    this.writer =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "statehouse-mcp-stdio-" + label);
              t.setDaemon(true);
              return t;
            });
  }

  /** Thrown when a message could not be written: the server never received it. */
  static final class NotDelivered extends IOException {
    private static final long serialVersionUID = 1L;

    NotDelivered(String message, Throwable cause) {
      super(message, cause);
    }
  }

  @Override
  public Mono<Void> connect(
      Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
    return Mono.defer(
        () -> {
          if (!connected.compareAndSet(false, true)) {
            return Mono.error(new NotDelivered("this connection to " + label + " has ended", null));
          }
          return Mono.fromFuture(submit(() -> start(handler)));
        });
  }

  private void start(
      Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(workingDir.toFile());
    // never the node's environment: it holds every tenant's secrets
    pb.environment().clear();
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      ended();
      // the command's path is the operator's; the environment is never part of a message
      throw new NotDelivered("cannot start the MCP server " + label + ": " + e.getMessage(), e);
    }
    process = p;
    log.info("MCP server {} started (pid {})", label, p.pid());
    // the reader's end of stdout is the signal (it comes after the last message); a process
    // whose stdout outlives it (a grandchild holding the pipe) ends a little later
    p.onExit()
        .thenRun(
            () ->
                CompletableFuture.delayedExecutor(stopTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .execute(this::ended));
    daemon("statehouse-mcp-out-" + label, () -> readMessages(p, handler)).start();
    daemon("statehouse-mcp-err-" + label, () -> readStderr(p)).start();
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }

  private void readMessages(
      Process p, Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
    try (Reader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      int stray = 0;
      while ((line = readLine(in, maxLineChars)) != null) {
        if (line.isBlank()) {
          continue;
        }
        McpSchema.JSONRPCMessage message;
        try {
          message = McpSchema.deserializeJsonRpcMessage(mapper, line);
        } catch (Exception notJsonRpc) {
          // a banner or a log line on stdout: skipped, the protocol goes on (logged as stderr is)
          if (stray++ < stderrMaxLines) {
            log.warn(
                "MCP server {} wrote a line that is not JSON-RPC; skipped: {}",
                label,
                snippet(line));
          }
          continue;
        }
        handler
            .apply(Mono.just(message))
            .subscribe(m -> {}, e -> log.warn("MCP server {}: {}", label, e.toString()));
      }
    } catch (LineTooLong e) {
      log.warn(
          "MCP server {} wrote a message longer than {} characters; the connection is ended",
          label,
          maxLineChars);
      p.destroy();
    } catch (IOException e) {
      if (!closing) {
        log.info("MCP server {}: stdout ended: {}", label, e.toString());
      }
    } finally {
      ended();
    }
  }

  private void readStderr(Process p) {
    int lines = 0;
    try (Reader in =
        new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
      StringBuilder line = new StringBuilder();
      int c;
      boolean cut = false;
      // read to the end even past the limits: a child whose stderr pipe fills up blocks
      while ((c = in.read()) != -1) {
        if (c == '\n') {
          if (lines < stderrMaxLines) {
            stderrLog.info("[{}] {}{}", label, line, cut ? "…" : "");
          } else if (lines == stderrMaxLines) {
            stderrLog.info("[{}] further stderr lines are not logged", label);
          }
          lines++;
          line.setLength(0);
          cut = false;
        } else if (line.length() < stderrMaxLine) {
          if (c != '\r') {
            line.append((char) c);
          }
        } else {
          cut = true;
        }
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  private static final class LineTooLong extends IOException {
    private static final long serialVersionUID = 1L;
  }

  private static String readLine(Reader in, int max) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        return sb.toString();
      }
      if (c != '\r') {
        if (sb.length() >= max) {
          throw new LineTooLong();
        }
        sb.append((char) c);
      }
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  private static String snippet(String line) {
    return line.length() > SNIPPET ? line.substring(0, SNIPPET) + "…" : line;
  }

  /** The process ended or its stdout did: once, tell the pool. */
  private void ended() {
    if (ended.compareAndSet(false, true)) {
      if (!closing) {
        Process p = process;
        log.info(
            "MCP server {} ended{}",
            label,
            p != null && !p.isAlive() ? " with exit code " + p.exitValue() : "");
      }
      onTerminated.run();
    }
  }

  @Override
  public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
    return Mono.defer(() -> Mono.fromFuture(submit(() -> write(message))));
  }

  private void write(McpSchema.JSONRPCMessage message) throws IOException {
    Process p = process;
    if (p == null || ended.get()) {
      throw new NotDelivered("the MCP server " + label + " is not running", null);
    }
    String json = mapper.writeValueAsString(message);
    try {
      OutputStream out = p.getOutputStream();
      // JSON never holds a raw line break; one message per line
      out.write(json.getBytes(StandardCharsets.UTF_8));
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      // the process is gone: a server that is gone cannot have read the message
      throw new NotDelivered("cannot write to the MCP server " + label + ": " + e.getMessage(), e);
    }
  }

  private interface Step {
    void run() throws IOException;
  }

  private CompletableFuture<Void> submit(Step step) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      writer.execute(
          () -> {
            try {
              step.run();
              done.complete(null);
            } catch (Exception e) {
              done.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      done.completeExceptionally(new NotDelivered("the connection to " + label + " is closed", e));
    }
    return done;
  }

  @Override
  public Mono<Void> closeGracefully() {
    return Mono.<Void>fromRunnable(this::stop).subscribeOn(Schedulers.boundedElastic());
  }

  /**
   * Closes stdin (a server's cue to exit), waits up to {@code stop-timeout}, then terminates the
   * process, and kills it if it still runs. Blocks: call it off actor threads.
   */
  void stop() {
    closing = true;
    writer.shutdown();
    Process p = process;
    if (p == null) {
      ended();
      return;
    }
    try {
      p.getOutputStream().close();
    } catch (IOException e) {
      // already closed
    }
    try {
      if (!p.waitFor(stopTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroy();
        if (!p.waitFor(stopTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
        }
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    ended();
  }

  /** Whether the process runs. */
  boolean alive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  @Override
  public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
    return mapper.convertValue(data, typeRef);
  }
}

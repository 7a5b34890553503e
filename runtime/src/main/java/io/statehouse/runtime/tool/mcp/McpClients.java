package io.statehouse.runtime.tool.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.statehouse.runtime.Futures;
import io.statehouse.runtime.catalog.HeaderValue;
import io.statehouse.runtime.catalog.McpConnection;
import io.statehouse.runtime.catalog.McpServerSpec;
import io.statehouse.runtime.catalog.McpTarget;
import io.statehouse.runtime.secret.SecretResolver;
import io.statehouse.runtime.tool.ArgumentValidator;
import io.statehouse.runtime.tool.egress.Admission;
import io.statehouse.runtime.tool.egress.EgressGuard;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's MCP clients: one per (tenant, server, registration version and connection), started on
 * first use and reused by every session that pinned that registration. A client that failed is
 * discarded (an SDK client and its transport are single use) and the next call starts a new one;
 * one unused for {@code idle-timeout} is closed, and with it its process. {@link #close()} stops
 * them all, at node shutdown.
 *
 * <p>Before anything is sent, HTTP servers pass the tenant's egress rules (every time: a host's
 * addresses may change), stdio servers must still be commands the operator allows, and secret
 * references must resolve; a failure there is an {@link Unavailable}, which proves nothing was
 * sent.
 */
public final class McpClients implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(McpClients.class);
  private static final String CLIENT_NAME = "statehouse";
  private static final String CLIENT_VERSION =
      Optional.ofNullable(McpClients.class.getPackage().getImplementationVersion()).orElse("dev");

  private final McpSettings settings;
  private final EgressGuard egress;
  private final SecretResolver secrets;
  private final McpSchemaValidator validator;
  private final McpJsonMapper mapper = new JacksonMcpJsonMapper(new ObjectMapper());
  private final ConcurrentHashMap<Key, Client> clients = new ConcurrentHashMap<>();
  private final ScheduledExecutorService reaper;
  private final AtomicInteger started = new AtomicInteger();
  // discoveries run on clients outside the pool: bounded on their own
  private final Semaphore discoveries;
  private volatile boolean closed;

  public McpClients(
      McpSettings settings,
      EgressGuard egress,
      SecretResolver secrets,
      ArgumentValidator validator) {
    this.settings = settings;
    this.egress = egress;
    this.secrets = secrets;
    this.validator = new McpSchemaValidator(validator);
    this.discoveries = new Semaphore(settings.maxDiscoveries());
    this.reaper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "statehouse-mcp-idle");
              t.setDaemon(true);
              return t;
            });
    long every = Math.max(1, settings.idleTimeout().toMillis() / 4);
    reaper.scheduleWithFixedDelay(this::closeIdle, every, every, TimeUnit.MILLISECONDS);
  }

  /** The node's clients: {@code statehouse.mcp}, {@code statehouse.secrets}. */
  public static McpClients fromConfig(
      Config config, EgressGuard egress, ArgumentValidator validator) {
    return new McpClients(
        McpSettings.fromConfig(config), egress, SecretResolver.fromConfig(config), validator);
  }

  public McpSettings settings() {
    return settings;
  }

  /**
   * Why a server could not be reached, with the code of the tool failure it becomes. Nothing was
   * sent to the server. The message names no secret value.
   */
  public static final class Unavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;
    private final boolean retryable;

    public Unavailable(String code, String message, boolean retryable) {
      super(message, null, false, false);
      this.code = code;
      this.retryable = retryable;
    }

    public String code() {
      return code;
    }

    public boolean retryable() {
      return retryable;
    }
  }

  private record Key(String tenant, String server, int version, McpConnection connection) {
    String label() {
      return tenant + "/" + server + "@" + version;
    }
  }

  /** A client and what the pool knows of it. */
  static final class Client {
    private final Key key;
    private final McpAsyncClient sdk;
    private final StdioProcessTransport stdio;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean discarded = new AtomicBoolean();
    // completes when the client is initialized (set up before any caller can see the client)
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private volatile long lastUsedNanos = System.nanoTime();

    private Client(Key key, McpAsyncClient sdk, StdioProcessTransport stdio) {
      this.key = key;
      this.sdk = sdk;
      this.stdio = stdio;
    }
  }

  // ---- calls ------------------------------------------------------------------------------------

  /**
   * Sends {@code request} to {@code target}'s server within {@code timeout}. Fails with {@link
   * Unavailable} when nothing was sent; any other failure came after the request was handed to the
   * transport.
   */
  CompletableFuture<McpSchema.CallToolResult> call(
      String tenant, McpTarget target, McpSchema.CallToolRequest request, Duration timeout) {
    Key key = new Key(tenant, target.server(), target.serverVersion(), target.connection());
    return acquire(key)
        .thenCompose(
            client -> {
              client.inFlight.incrementAndGet();
              return client
                  .sdk
                  .callTool(request)
                  .toFuture()
                  .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                  .whenComplete((r, e) -> released(client, e));
            });
  }

  /**
   * The tools a server lists for a registration being made, on a client of its own that is closed
   * afterwards; bounded by {@code discovery-timeout}. Fails with {@link Unavailable}.
   */
  public CompletionStage<McpDiscovery> discover(String tenant, McpServerSpec spec) {
    Key key = new Key(tenant, spec.name(), 0, spec.connection());
    if (!discoveries.tryAcquire()) {
      return CompletableFuture.failedFuture(
          new Unavailable(
              "mcp_busy",
              "this node is already discovering "
                  + settings.maxDiscoveries()
                  + " MCP servers (statehouse.mcp.max-discoveries); try again shortly",
              true));
    }
    AtomicReference<Client> client = new AtomicReference<>();
    return admitted(key)
        .thenCompose(
            ok -> {
              client.set(create(key));
              return list(start(client.get()), spec);
            })
        .orTimeout(settings.discoveryTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (r, e) -> {
              // also on timeout: the process it may have started stops
              if (client.get() != null) {
                discard(client.get(), "discovery done");
              }
              discoveries.release();
            })
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(unavailable(key, e)));
  }

  /**
   * The tools registered server {@code spec} lists now, on the client its sessions use; bounded by
   * {@code discovery-timeout}. Fails with {@link Unavailable}.
   */
  public CompletionStage<McpDiscovery> list(String tenant, McpServerSpec spec) {
    Key key = new Key(tenant, spec.name(), spec.version(), spec.connection());
    return acquire(key)
        .thenCompose(
            client -> {
              client.inFlight.incrementAndGet();
              return list(CompletableFuture.completedFuture(client), spec)
                  .whenComplete((r, e) -> released(client, e));
            })
        .orTimeout(settings.discoveryTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(unavailable(key, e)));
  }

  private CompletableFuture<McpDiscovery> list(
      CompletableFuture<Client> ready, McpServerSpec spec) {
    return ready.thenCompose(
        client ->
            page(client, McpSchema.FIRST_PAGE, new ArrayList<>(), 0)
                .thenApply(
                    listing ->
                        McpDiscovery.of(spec, listing.tools(), listing.truncated(), settings)));
  }

  private record Listing(List<McpSchema.Tool> tools, boolean truncated) {}

  /** Follows {@code nextCursor} until the server has no more, or the node's limits are reached. */
  private CompletableFuture<Listing> page(
      Client client, String cursor, List<McpSchema.Tool> so, int pages) {
    return client
        .sdk
        .listTools(cursor)
        .toFuture()
        .thenCompose(
            result -> {
              List<McpSchema.Tool> got = result.tools() == null ? List.of() : result.tools();
              for (McpSchema.Tool t : got) {
                if (so.size() == settings.maxTools()) {
                  return CompletableFuture.completedFuture(new Listing(so, true));
                }
                so.add(t);
              }
              String next = result.nextCursor();
              boolean more = next != null && !next.isEmpty();
              if (more && pages + 1 < settings.maxPages()) {
                return page(client, next, so, pages + 1);
              }
              return CompletableFuture.completedFuture(new Listing(so, more));
            });
  }

  private void released(Client client, Throwable error) {
    client.inFlight.decrementAndGet();
    client.lastUsedNanos = System.nanoTime();
    if (error != null && breaks(error)) {
      discard(client, "failed: " + summary(error));
    }
  }

  /**
   * Whether a failure leaves the client unusable. An error answer, a tool's own error and a timeout
   * do not (a slow server may still answer later ones); a broken connection, an ended process or a
   * failed initialization do.
   */
  private static boolean breaks(Throwable error) {
    Throwable e = Futures.unwrap(error);
    return !(e instanceof McpError || e instanceof TimeoutException);
  }

  // ---- the pool ---------------------------------------------------------------------------------

  /** A ready client for {@code key}: the current one, or a new one when there is none. */
  private CompletableFuture<Client> acquire(Key key) {
    return admitted(key)
        .thenCompose(
            ok -> {
              Client current = clients.get(key);
              if (current != null && !current.discarded.get()) {
                return current.ready.thenApply(v -> current);
              }
              makeRoom();
              Client fresh = create(key);
              Client winner =
                  clients.merge(key, fresh, (old, mine) -> old.discarded.get() ? mine : old);
              if (winner != fresh) {
                // another call started one first; this one never connected
                return winner.ready.thenApply(v -> winner);
              }
              return start(fresh);
            })
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(unavailable(key, e)));
  }

  private CompletableFuture<Client> start(Client client) {
    started.incrementAndGet();
    client
        .sdk
        .initialize()
        .toFuture()
        .whenComplete(
            (result, e) -> {
              if (e != null) {
                discard(client, "did not initialize: " + summary(e));
                client.ready.completeExceptionally(e);
              } else {
                client.ready.complete(null);
              }
            });
    return client.ready.thenApply(v -> client);
  }

  /** With {@code max-clients} open, closes the least recently used idle one, or refuses. */
  private void makeRoom() {
    if (closed) {
      throw new Unavailable("mcp_unavailable", "the node is stopping", true);
    }
    if (clients.size() < settings.maxClients()) {
      return;
    }
    Optional<Client> idle =
        clients.values().stream()
            .filter(c -> c.ready.isDone() && c.inFlight.get() == 0)
            .min(Comparator.comparingLong(c -> c.lastUsedNanos));
    if (idle.isEmpty()) {
      throw new Unavailable(
          "mcp_busy",
          "this node has "
              + settings.maxClients()
              + " MCP servers busy (statehouse.mcp.max-clients); try again later",
          true);
    }
    discard(idle.get(), "making room");
  }

  private void closeIdle() {
    long idleNanos = settings.idleTimeout().toNanos();
    long now = System.nanoTime();
    for (Client c : clients.values()) {
      // a client still initializing has callers waiting on it: it is not idle
      if (c.ready.isDone() && c.inFlight.get() == 0 && now - c.lastUsedNanos > idleNanos) {
        discard(c, "idle");
      }
    }
  }

  /** Removes {@code client} from the pool and closes it; the calls it still has fail. */
  private void discard(Client client, String why) {
    if (client.discarded.compareAndSet(false, true)) {
      clients.remove(client.key, client);
      log.info("MCP client {} closed ({})", client.key.label(), why);
      // fails pending calls at once ("MCP session with server terminated"), stops the transport
      client.sdk.close();
    }
  }

  /** Started clients since the node started (tests: a dead server is replaced, not reused). */
  int startedClients() {
    return started.get();
  }

  // ---- building clients -------------------------------------------------------------------------

  /** HTTP servers: the tenant's egress rules, on the addresses the host has now. */
  private CompletableFuture<Void> admitted(Key key) {
    McpConnection.Http http = key.connection().http();
    if (http == null) {
      return CompletableFuture.completedFuture(null);
    }
    URI uri;
    try {
      uri = URI.create(http.url());
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(
          new Unavailable("invalid_request", "the MCP server URL is not valid", false));
    }
    return egress
        .admit(key.tenant(), uri)
        .thenApply(
            admission -> {
              if (admission instanceof Admission.Refused r) {
                throw new Unavailable("egress_denied", r.message(), false);
              }
              if (admission instanceof Admission.Unresolved u) {
                throw new Unavailable("connection_failed", u.message(), true);
              }
              return null;
            });
  }

  private Client create(Key key) {
    AtomicReference<Client> self = new AtomicReference<>();
    McpConnection c = key.connection();
    StdioProcessTransport stdio = null;
    McpClientTransport transport;
    if (c.stdio() != null) {
      stdio =
          new StdioProcessTransport(
              command(key.tenant(), c.stdio()),
              environment(key.tenant(), c.stdio()),
              settings.workingDir(),
              mapper,
              settings,
              key.label(),
              () -> {
                Client client = self.get();
                if (client != null) {
                  discard(client, "the server ended");
                }
              });
      transport = stdio;
    } else {
      transport = http(key.tenant(), c.http());
    }
    McpAsyncClient sdk =
        McpClient.async(new QuietTransport(transport))
            .requestTimeout(settings.requestTimeout())
            .initializationTimeout(settings.initializeTimeout())
            // never the SDK's default: it needs a networknt version the node does not have
            .jsonSchemaValidator(validator)
            .clientInfo(McpSchema.Implementation.builder(CLIENT_NAME, CLIENT_VERSION).build())
            .build();
    Client client = new Client(key, sdk, stdio);
    self.set(client);
    return client;
  }

  /** The operator's command line for a stdio registration; refused when no longer allowed. */
  private List<String> command(String tenant, McpConnection.Stdio stdio) {
    McpSettings.StdioCommand entry =
        settings
            .command(stdio.command(), tenant)
            .orElseThrow(
                () ->
                    new Unavailable(
                        "mcp_not_allowed",
                        "stdio command "
                            + stdio.command()
                            + " is not one this node allows tenant "
                            + tenant
                            + " (statehouse.mcp.stdio.commands)",
                        false));
    if (!stdio.args().isEmpty() && !entry.allowArgs()) {
      throw new Unavailable(
          "mcp_not_allowed",
          "stdio command " + stdio.command() + " takes no arguments from registrations",
          false);
    }
    List<String> line = new ArrayList<>();
    line.add(entry.command());
    line.addAll(entry.args());
    line.addAll(stdio.args());
    return line;
  }

  /**
   * All the environment a process gets: the operator's base and the entry's own, then the
   * registration's, its secret references resolved for {@code tenant} now.
   */
  private Map<String, String> environment(String tenant, McpConnection.Stdio stdio) {
    Map<String, String> env = new LinkedHashMap<>(settings.baseEnv());
    settings.command(stdio.command(), tenant).ifPresent(e -> env.putAll(e.env()));
    stdio.env().forEach((name, value) -> env.put(name, value(tenant, "env " + name, value)));
    return env;
  }

  private String value(String tenant, String what, HeaderValue value) {
    if (value instanceof HeaderValue.SecretRef ref) {
      return secrets
          .resolve(tenant, ref.name())
          .orElseThrow(
              () ->
                  new Unavailable(
                      "secret_missing",
                      "secret "
                          + ref.name()
                          + " ("
                          + what
                          + ") is not defined for tenant "
                          + tenant,
                      false));
    }
    return ((HeaderValue.Literal) value).value();
  }

  private McpClientTransport http(String tenant, McpConnection.Http http) {
    URI uri = URI.create(http.url());
    // checked now, so a missing secret fails as not sent rather than inside the transport
    http.headers().forEach((name, value) -> value(tenant, "header " + name, value));
    String base = uri.getScheme() + "://" + uri.getRawAuthority();
    String endpoint =
        (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    return HttpClientStreamableHttpTransport.builder(base)
        .endpoint(endpoint)
        .jsonMapper(mapper)
        .clientBuilder(
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                // the host the egress rules checked is the host connected to
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY))
        .connectTimeout(settings.connectTimeout())
        .maxResponseSize(settings.maxMessageBytes())
        // secrets resolved per request: a rotated secret is used from the next request on
        .addHttpRequestCustomizer(
            (builder, method, target, body, context) ->
                http.headers().forEach((name, value) -> header(builder, tenant, name, value)))
        .build();
  }

  private void header(
      java.net.http.HttpRequest.Builder builder, String tenant, String name, HeaderValue value) {
    String resolved = value(tenant, "header " + name, value);
    try {
      builder.header(name, resolved);
    } catch (IllegalArgumentException e) {
      // the JDK's message quotes the value, which may be a secret: never pass it on
      throw new Unavailable(
          "invalid_request", "header " + name + " has a value HTTP does not allow", false);
    }
  }

  // ---- failures ---------------------------------------------------------------------------------

  /** {@code error} as an {@link Unavailable}: the server was not reached, or not in time. */
  private Unavailable unavailable(Key key, Throwable error) {
    Throwable e = Futures.unwrap(error);
    Optional<Unavailable> known = find(e);
    if (known.isPresent()) {
      return known.get();
    }
    if (e instanceof TimeoutException) {
      return new Unavailable(
          "mcp_unavailable", "MCP server " + key.server() + " did not answer in time", true);
    }
    return new Unavailable(
        "mcp_unavailable",
        "MCP server " + key.server() + " could not be reached: " + summary(e),
        true);
  }

  /** An {@link Unavailable} anywhere in {@code error}'s causes (the SDK may wrap it). */
  static Optional<Unavailable> find(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (e instanceof Unavailable u) {
        return Optional.of(u);
      }
    }
    return Optional.empty();
  }

  /** The root cause in a few words: its class and message, shortened. */
  static String summary(Throwable error) {
    Throwable e = Futures.unwrap(error);
    while (e.getCause() != null && e.getCause() != e) {
      e = e.getCause();
    }
    String message = e.getMessage() == null ? "" : ": " + e.getMessage();
    String text = e.getClass().getSimpleName() + message;
    return text.length() > 300 ? text.substring(0, 300) + "…" : text;
  }

  /** Stops every client and its process; blocks until they ended or were killed. */
  @Override
  public void close() {
    closed = true;
    reaper.shutdownNow();
    List<Client> all = new ArrayList<>(clients.values());
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (Client c : all) {
      discard(c, "node stopping");
      if (c.stdio != null) {
        stops.add(CompletableFuture.runAsync(c.stdio::stop));
      }
    }
    try {
      CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
          .get(settings.stopTimeout().toMillis() * 2 + 1_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("MCP servers did not all stop in time: {}", e.toString());
    }
  }
}

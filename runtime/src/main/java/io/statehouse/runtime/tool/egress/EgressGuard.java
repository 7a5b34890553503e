package io.statehouse.runtime.tool.egress;

import com.typesafe.config.Config;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.Security;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks each outbound call against the {@link EgressPolicy} after resolving its host, without
 * blocking the caller: lookups run on a small bounded pool ({@code statehouse.egress.lookup}), and
 * a full queue or a slow resolver fails the call as not sent instead of piling up work.
 *
 * <p>Every address the host resolves to must be allowed. The HTTP client then resolves the host
 * again to connect. The JDK caches successful lookups ({@code networkaddress.cache.ttl}, 30 s by
 * default, whatever the DNS TTL), so the client normally gets the very addresses checked here; a
 * DNS-rebinding window remains only when the cache entry expires between the two lookups, or when
 * the cache is disabled ({@code networkaddress.cache.ttl=0}: a warning is logged at start). Closing
 * it fully would mean connecting to the checked address, which HTTPS name checks do not allow with
 * the JDK client.
 */
public final class EgressGuard {
  private static final Logger log = LoggerFactory.getLogger(EgressGuard.class);
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final EgressPolicy policy;
  private final HostResolver resolver;
  private final ExecutorService lookups;
  private final Duration lookupTimeout;

  /**
   * @param threads lookups in parallel; a blocked resolver holds a thread until it gives up
   * @param queue lookups waiting for a thread; more fail the call at once
   * @param idle how long an unused lookup thread is kept
   */
  public EgressGuard(
      EgressPolicy policy,
      HostResolver resolver,
      int threads,
      int queue,
      Duration timeout,
      Duration idle) {
    this.policy = policy;
    this.resolver = resolver;
    this.lookupTimeout = timeout;
    int pool = POOLS.incrementAndGet();
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, "statehouse-egress-lookup-" + pool + "-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            idle.toMillis(),
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(queue),
            factory);
    executor.allowCoreThreadTimeOut(true);
    this.lookups = executor;
  }

  /** The node's guard: {@code statehouse.egress} with the JDK resolver. */
  public static EgressGuard fromConfig(Config config, NodePorts nodePorts) {
    return fromConfig(config, nodePorts, HostResolver.SYSTEM);
  }

  public static EgressGuard fromConfig(Config config, NodePorts nodePorts, HostResolver resolver) {
    Config lookup = config.getConfig("statehouse.egress.lookup");
    if ("0".equals(Security.getProperty("networkaddress.cache.ttl"))) {
      log.warn(
          "networkaddress.cache.ttl=0: every tool call resolves its host twice (egress check,"
              + " then connect), so a host whose DNS answer changes in between may reach an"
              + " address the egress policy refuses. Keep the JDK's positive lookup cache on.");
    }
    return new EgressGuard(
        EgressPolicy.fromConfig(config, nodePorts),
        resolver,
        lookup.getInt("threads"),
        lookup.getInt("queue"),
        lookup.getDuration("timeout"),
        lookup.getDuration("idle"));
  }

  public EgressPolicy policy() {
    return policy;
  }

  /** Whether {@code tenant} may call {@code uri}; never completes exceptionally. */
  public CompletableFuture<Admission> admit(String tenant, URI uri) {
    Optional<String> early = policy.refusalBeforeLookup(tenant, uri);
    if (early.isPresent()) {
      return CompletableFuture.completedFuture(refused(tenant, early.get()));
    }
    String host = uri.getHost();
    Optional<InetAddress> literal = IpLiterals.strict(host);
    if (literal.isPresent()) {
      // an address in its plain spelling needs no lookup, and the client connects to exactly it:
      // decided here, without the hand-off to the lookup pool
      return CompletableFuture.completedFuture(decide(tenant, uri, List.of(literal.get())));
    }
    CompletableFuture<InetAddress[]> resolved;
    try {
      resolved = CompletableFuture.supplyAsync(() -> resolve(host), lookups);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(
          new Admission.Unresolved(
              "too many host lookups in progress; " + host + " was not tried"));
    }
    return resolved
        .orTimeout(lookupTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (addresses, error) -> {
              if (error != null) {
                return unresolved(host, error);
              }
              return decide(tenant, uri, List.of(addresses));
            });
  }

  private Admission decide(String tenant, URI uri, List<InetAddress> addresses) {
    return policy
        .refusal(tenant, uri, addresses)
        .<Admission>map(m -> refused(tenant, m))
        .orElseGet(Admission.Admitted::new);
  }

  private InetAddress[] resolve(String host) {
    try {
      return resolver.resolve(host);
    } catch (UnknownHostException e) {
      throw new CompletionException(e);
    }
  }

  private Admission unresolved(String host, Throwable error) {
    Throwable e =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (e instanceof TimeoutException) {
      return new Admission.Unresolved(
          "looking up " + host + " took longer than " + lookupTimeout.toMillis() + " ms");
    }
    if (e instanceof UnknownHostException) {
      return new Admission.Unresolved("cannot resolve host " + host);
    }
    return new Admission.Unresolved(
        "cannot resolve host " + host + " (" + e.getClass().getSimpleName() + ")");
  }

  private static Admission refused(String tenant, String message) {
    // host and rule only: the URL's query and the headers may carry what the log must not
    log.info("egress refused for tenant {}: {}", tenant, message);
    return new Admission.Refused(message);
  }
}

package io.statehouse.api;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.statehouse.api.demo.DemoContent;
import io.statehouse.api.demo.DemoTools;
import io.statehouse.api.dto.Definitions;
import io.statehouse.api.http.ApiKeys;
import io.statehouse.api.http.ApiRoutes;
import io.statehouse.api.http.HttpSettings;
import io.statehouse.api.http.JwksRoute;
import io.statehouse.api.http.JwtAuthenticator;
import io.statehouse.api.http.StreamTickets;
import io.statehouse.api.ops.JournalWriteMetrics;
import io.statehouse.api.ops.MetricsRoute;
import io.statehouse.api.ops.NodeMetrics;
import io.statehouse.api.ops.NodeOps;
import io.statehouse.api.ops.NodeReadiness;
import io.statehouse.api.ops.Tracing;
import io.statehouse.api.stream.ClientFeed;
import io.statehouse.api.stream.StreamHub;
import io.statehouse.api.stream.StreamSettings;
import io.statehouse.api.stream.StreamSources;
import io.statehouse.persistence.cassandra.journal.CoalescingCqlSession;
import io.statehouse.persistence.cassandra.journal.JournalDurability;
import io.statehouse.persistence.cassandra.journal.JournalMonitor;
import io.statehouse.persistence.cassandra.journal.JournalSessionExistence;
import io.statehouse.persistence.cassandra.launcher.CassandraSettings;
import io.statehouse.persistence.cassandra.launcher.EmbeddedCassandra;
import io.statehouse.persistence.cassandra.readside.CassandraApprovalQueue;
import io.statehouse.persistence.cassandra.readside.CassandraSessionDirectory;
import io.statehouse.persistence.cassandra.readside.CassandraUsageLedger;
import io.statehouse.persistence.cassandra.readside.ReadSideSchema;
import io.statehouse.persistence.cassandra.readside.ReadSideSettings;
import io.statehouse.runtime.StatehouseRuntime;
import io.statehouse.runtime.concurrent.AsyncDefaults;
import io.statehouse.runtime.identity.IdentitySettings;
import io.statehouse.runtime.identity.NodeKeys;
import io.statehouse.runtime.journal.JournalHealth;
import io.statehouse.runtime.session.SessionDeps;
import io.statehouse.runtime.session.SessionDirectory;
import io.statehouse.runtime.telemetry.StatehouseMetrics;
import io.statehouse.runtime.telemetry.Telemetry;
import io.statehouse.runtime.telemetry.TelemetrySettings;
import io.statehouse.runtime.tool.RoutingToolExecutor;
import io.statehouse.runtime.usage.UsageLedger;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Statehouse node: optionally its own Cassandra (dev), the actor system joined to its cluster,
 * the runtime's sharded entities, the read side, and the HTTP API. {@code Main} starts it, and so
 * do the integration tests, in-process or as a child JVM: there is one way to start a node.
 */
public final class StatehouseNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatehouseNode.class);
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
  // the journal plugin's driver session: the registry keeps one per config path
  private static final String JOURNAL_SESSION = "pekko.persistence.cassandra";

  private final ActorSystem<Void> system;
  private final ServerBinding binding;
  private final Uri management;
  private final EmbeddedCassandra cassandra;
  private final StatehouseRuntime runtime;
  private final ApiKeys keys;
  private final CassandraApprovalQueue approvalQueue;
  private final JournalSessionExistence sessionExistence;
  private final MetricsRoute metrics;

  private StatehouseNode(
      ActorSystem<Void> system,
      ServerBinding binding,
      Uri management,
      EmbeddedCassandra cassandra,
      StatehouseRuntime runtime,
      ApiKeys keys,
      CassandraApprovalQueue approvalQueue,
      JournalSessionExistence sessionExistence,
      MetricsRoute metrics) {
    this.system = system;
    this.binding = binding;
    this.management = management;
    this.cassandra = cassandra;
    this.runtime = runtime;
    this.keys = keys;
    this.approvalQueue = approvalQueue;
    this.sessionExistence = sessionExistence;
    this.metrics = metrics;
  }

  public static StatehouseNode start(Config config) throws Exception {
    if (!AsyncDefaults.pooled()) {
      log.warn(
          "CompletableFuture starts a thread for every async step in this JVM (the common pool's"
              + " parallelism is 1): start the node with"
              + " -Djava.util.concurrent.ForkJoinPool.common.parallelism=2 or through its Main");
    }
    EmbeddedCassandra cassandra = null;
    Config cfg = config;
    if (CassandraSettings.enabledIn(cfg)) {
      cassandra = EmbeddedCassandra.start(cfg.resolve());
      cfg = withContactPoint(cfg, "127.0.0.1:" + cassandra.current().cqlPort());
    }
    cfg = withCredentials(cfg).resolve();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "statehouse", cfg);
    try {
      Uri management = startManagement(system, cfg);
      joinCluster(system, cfg);
      JournalReady.await(system, STARTUP_TIMEOUT);
      CqlSession journalCql =
          CassandraSessionRegistry.get(system)
              .sessionFor(CassandraSessionSettings.create(JOURNAL_SESSION))
              .underlying()
              .toCompletableFuture()
              .get(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      logDurability(journalCql, cfg, cassandra);
      system.systemActorOf(
          JournalMonitor.create(
              JournalMonitor.Settings.fromConfig(cfg), JournalHealth.get(system), journalCql),
          "journal-monitor",
          Props.empty());
      // the read side has its own driver session: the registry caches a session per config path
      // together with the first caller's init, and the journal's init is what creates its keyspaces
      CassandraSession session =
          CassandraSessionRegistry.get(system)
              .sessionFor(
                  CassandraSessionSettings.create("statehouse.cassandra.read-side.session"));
      ReadSideSettings readSide = ReadSideSettings.fromConfig(cfg);
      if (readSide.createSchema()) {
        ReadSideSchema.create(session, readSide)
            .toCompletableFuture()
            .get(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
      SessionDirectory directory = new CassandraSessionDirectory(session, readSide);
      CassandraApprovalQueue approvalQueue = new CassandraApprovalQueue(session, readSide);
      UsageLedger usageLedger = new CassandraUsageLedger(session, readSide, system);
      JournalSessionExistence sessionExistence =
          new JournalSessionExistence(journalCql, JournalSessionExistence.Settings.fromConfig(cfg));
      // the keys that sign tool calls' identity tokens and are published at /.well-known/jwks.json
      NodeKeys nodeKeys = NodeKeys.fromConfig(cfg);
      // the node's metrics (GET /metrics on the management port) and traces (OTLP, when set)
      PrometheusRegistry registry = NodeMetrics.get(system).registry();
      if (journalCql instanceof CoalescingCqlSession coalescing) {
        JournalWriteMetrics.register(registry, coalescing.coalescer());
      }
      TelemetrySettings telemetrySettings = TelemetrySettings.fromConfig(cfg);
      StatehouseMetrics metrics = new StatehouseMetrics(registry, telemetrySettings);
      Tracing tracing = Tracing.fromConfig(cfg, system.address().toString());
      // answers the operators' overview for this node: live sessions, each tenant's last hour
      system.systemActorOf(
          NodeOps.create(metrics.activity(), cfg.getDuration("statehouse.ops.stats-timeout")),
          "ops",
          Props.empty());
      // the sessions' last spans end as they stop: export them after the actor system is down
      system.getWhenTerminated().thenRun(tracing::close);
      SessionDeps deps =
          StatehouseRuntime.defaultDeps(cfg, directory, system, nodeKeys)
              .withApprovals(approvalQueue)
              .withUsage(usageLedger)
              .withTelemetry(
                  new Telemetry(
                      cfg.getBoolean("statehouse.telemetry.metrics.enabled") ? metrics : null,
                      tracing.tracer(),
                      telemetrySettings));
      StatehouseRuntime runtime = StatehouseRuntime.init(system, deps);
      // the kinds of tools: MCP servers are reached for discovery, in-process ones named
      RoutingToolExecutor tools = (RoutingToolExecutor) deps.tools();

      ApiKeys keys = ApiKeys.fromConfig(cfg);
      JwtAuthenticator jwts =
          JwtAuthenticator.fromConfig(
              cfg,
              System::getenv,
              system
                  .dispatchers()
                  .lookup(
                      DispatcherSelector.fromConfig(
                          cfg.getString("statehouse.api.jwt.dispatcher"))),
              Clock.systemUTC());
      system.getWhenTerminated().thenRun(jwts::close);
      HttpSettings http = HttpSettings.fromConfig(cfg);
      boolean demo = cfg.getBoolean("statehouse.demo.enabled");
      CurrentEventsByPersistenceIdQuery events =
          PersistenceQuery.get(system)
              .getReadJournalFor(
                  CurrentEventsByPersistenceIdQuery.class,
                  cfg.getString("statehouse.node.read-journal"));
      StreamSettings streamSettings = StreamSettings.fromConfig(cfg);
      ApiRoutes routes =
          new ApiRoutes(
              http,
              keys,
              jwts,
              new JwksRoute(nodeKeys, IdentitySettings.fromConfig(cfg).jwksMaxAge()),
              runtime,
              new Definitions(cfg, deps.models().providers()).withBuiltins(tools.builtin().tools()),
              tools.mcp().clients(),
              directory,
              events,
              system,
              approvalQueue,
              usageLedger,
              sessionExistence,
              // audit exports end with a head signed by the same key, verifiable with the JWKS
              nodeKeys::signDetached,
              new ClientFeed(
                      system.systemActorOf(
                          StreamHub.create(streamSettings), "stream-hub", Props.empty()),
                      events,
                      streamSettings,
                      system,
                      new StreamSources(runtime::session, runtime::workspace))
                  .withSubscribers(metrics.streamSubscribers()),
              // stream tickets are signed by the same keys: any node of the cluster redeems them
              StreamTickets.fromConfig(cfg, nodeKeys, Clock.systemUTC()),
              new NodeReadiness(Adapter.toClassic(system)),
              demo ? new DemoTools().routes() : Directives.reject());
      ServerBinding binding =
          Http.get(system)
              .newServerAt(http.host(), http.port())
              .bind(routes.route())
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      binding.addToCoordinatedShutdown(cfg.getDuration("statehouse.http.shutdown-drain"), system);
      StatehouseNode node =
          new StatehouseNode(
              system,
              binding,
              management,
              cassandra,
              runtime,
              keys,
              approvalQueue,
              sessionExistence,
              NodeMetrics.get(system).route());
      if (demo) {
        DemoContent.register(runtime, cfg, node.port(), STARTUP_TIMEOUT);
      }
      return node;
    } catch (Exception | Error e) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      if (cassandra != null) {
        cassandra.close();
      }
      throw e;
    }
  }

  /**
   * The management port (membership, health, metrics), when enabled: the address it serves at, or
   * null.
   */
  private static Uri startManagement(ActorSystem<Void> system, Config cfg) throws Exception {
    if (!cfg.getBoolean("statehouse.management.enabled")) {
      return null;
    }
    return PekkoManagement.get(system)
        .start()
        .toCompletableFuture()
        .get(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  /**
   * Cluster bootstrap when configured (it needs the management port); otherwise a node with no seed
   * nodes forms a cluster of one by joining itself.
   */
  private static void joinCluster(ActorSystem<Void> system, Config cfg) {
    if (cfg.getBoolean("statehouse.cluster.bootstrap")) {
      if (!cfg.getBoolean("statehouse.management.enabled")) {
        throw new IllegalStateException(
            "statehouse.cluster.bootstrap = on needs statehouse.management.enabled = on");
      }
      ClusterBootstrap.get(system).start();
      return;
    }
    List<String> seeds = cfg.getStringList("pekko.cluster.seed-nodes");
    if (seeds.isEmpty() && cfg.getBoolean("statehouse.cluster.self-join")) {
      Cluster cluster = Cluster.get(system);
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
  }

  /**
   * Says, once at start, whether an acknowledged turn survives the loss of Cassandra with this
   * setup: a warning for each reason it may not (docs/operations.md, "Durability").
   */
  private static void logDurability(CqlSession cql, Config cfg, EmbeddedCassandra embedded) {
    if (embedded != null) {
      CassandraSettings settings = embedded.current().settings();
      if (settings.commitLog().durable()) {
        log.info(
            "Journal durability: embedded single-node Cassandra, commitlog_sync {}: an"
                + " acknowledged turn survives a crash of Cassandra (one copy: for dev and tests)",
            settings.commitLog());
      } else {
        log.warn(
            "Journal durability: embedded Cassandra runs commitlog_sync {}: a crash of Cassandra"
                + " loses the turns acknowledged in its last sync period",
            settings.commitLog());
      }
      return;
    }
    JournalDurability.Facts facts = JournalDurability.read(cql, cfg);
    List<String> warnings = JournalDurability.warnings(facts);
    warnings.forEach(w -> log.warn("Journal durability: {}", w));
    if (warnings.isEmpty()) {
      log.info(
          "Journal durability: keyspace {} replicated {} times, writes {}, reads {}, commitlog_sync"
              + " {}",
          facts.keyspace(),
          facts.replicationFactor().orElse(0),
          facts.writeConsistency(),
          facts.readConsistency(),
          facts.commitLogSync().orElse("unknown"));
    }
  }

  private static Config withContactPoint(Config cfg, String hostPort) {
    // set both: the loaded config already resolved the driver key from the statehouse one
    return ConfigFactory.parseMap(
            Map.of(
                "statehouse.cassandra.contact-points", List.of(hostPort),
                "datastax-java-driver.basic.contact-points", List.of(hostPort)))
        .withFallback(cfg);
  }

  /** Credentials, when configured, become the driver's plain-text auth provider. */
  private static Config withCredentials(Config cfg) {
    Config resolved = cfg.resolve();
    String user = resolved.getString("statehouse.cassandra.username");
    if (user.isEmpty()) {
      return cfg;
    }
    return cfg.withValue(
            "datastax-java-driver.advanced.auth-provider.class",
            ConfigValueFactory.fromAnyRef("PlainTextAuthProvider"))
        .withValue(
            "datastax-java-driver.advanced.auth-provider.username",
            ConfigValueFactory.fromAnyRef(user))
        .withValue(
            "datastax-java-driver.advanced.auth-provider.password",
            ConfigValueFactory.fromAnyRef(resolved.getString("statehouse.cassandra.password")));
  }

  public int port() {
    return binding.localAddress().getPort();
  }

  public String host() {
    return binding.localAddress().getHostString();
  }

  /** Where the management port serves (membership, health, metrics), if it is enabled. */
  public java.util.Optional<Uri> management() {
    return java.util.Optional.ofNullable(management);
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public StatehouseRuntime runtime() {
    return runtime;
  }

  /** The tenants' approval queues and pending deadlines (read side). */
  public CassandraApprovalQueue approvalQueue() {
    return approvalQueue;
  }

  /** Whether a session id was ever opened: one journal read at most per unknown id. */
  public JournalSessionExistence sessionExistence() {
    return sessionExistence;
  }

  public ApiKeys keys() {
    return keys;
  }

  /**
   * {@code GET /metrics} of this node (every tenant's figures): for the management port, never the
   * tenants' API port.
   */
  public MetricsRoute metrics() {
    return metrics;
  }

  /** The Cassandra this node started for itself, or null when it uses an external one. */
  public EmbeddedCassandra cassandra() {
    return cassandra;
  }

  /** Blocks until the actor system has terminated (by Ctrl-C, downing or {@link #close}). */
  public void awaitTermination() throws Exception {
    system.getWhenTerminated().toCompletableFuture().get();
  }

  /**
   * Stops the node (sessions hand off, the journal flushes) and then the Cassandra it started or
   * adopted, in that order so no write is cut off.
   */
  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("actor system did not terminate cleanly: {}", e.toString());
    }
    if (cassandra != null) {
      cassandra.close();
    }
  }
}

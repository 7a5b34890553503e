package io.statehouse.api;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.statehouse.api.demo.DemoContent;
import io.statehouse.api.demo.DemoTools;
import io.statehouse.api.dto.Definitions;
import io.statehouse.api.http.ApiKeys;
import io.statehouse.api.http.ApiRoutes;
import io.statehouse.api.http.HttpSettings;
import io.statehouse.persistence.cassandra.launcher.CassandraLauncher;
import io.statehouse.persistence.cassandra.launcher.CassandraSettings;
import io.statehouse.persistence.cassandra.launcher.RunningCassandra;
import io.statehouse.persistence.cassandra.readside.CassandraSessionDirectory;
import io.statehouse.persistence.cassandra.readside.ReadSideSchema;
import io.statehouse.persistence.cassandra.readside.ReadSideSettings;
import io.statehouse.runtime.StatehouseRuntime;
import io.statehouse.runtime.session.SessionDeps;
import io.statehouse.runtime.session.SessionDirectory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.persistence.cassandra.healthcheck.CassandraHealthCheck;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.FutureConverters;

/**
 * One Statehouse node: optionally its own Cassandra (dev), the actor system joined to its cluster,
 * the runtime's sharded entities, the read side, and the HTTP API. {@code Main} starts it, and so
 * do the integration tests, in-process or as a child JVM: there is one way to start a node.
 */
public final class StatehouseNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatehouseNode.class);
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);

  private final ActorSystem<Void> system;
  private final ServerBinding binding;
  private final RunningCassandra cassandra;
  private final StatehouseRuntime runtime;
  private final ApiKeys keys;

  private StatehouseNode(
      ActorSystem<Void> system,
      ServerBinding binding,
      RunningCassandra cassandra,
      StatehouseRuntime runtime,
      ApiKeys keys) {
    this.system = system;
    this.binding = binding;
    this.cassandra = cassandra;
    this.runtime = runtime;
    this.keys = keys;
  }

  public static StatehouseNode start(Config config) throws Exception {
    RunningCassandra cassandra = null;
    Config cfg = config;
    if (CassandraSettings.enabledIn(cfg)) {
      cassandra = CassandraLauncher.start(CassandraSettings.fromConfig(cfg));
      cfg = withContactPoint(cfg, "127.0.0.1:" + cassandra.cqlPort());
    }
    cfg = withCredentials(cfg).resolve();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "statehouse", cfg);
    try {
      joinCluster(system, cfg);
      JournalReady.await(system, STARTUP_TIMEOUT);
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
      SessionDeps deps = StatehouseRuntime.defaultDeps(cfg, directory);
      StatehouseRuntime runtime = StatehouseRuntime.init(system, deps);

      ApiKeys keys = ApiKeys.fromConfig(cfg);
      HttpSettings http = HttpSettings.fromConfig(cfg);
      boolean demo = cfg.getBoolean("statehouse.demo.enabled");
      CurrentEventsByPersistenceIdQuery events =
          PersistenceQuery.get(system)
              .getReadJournalFor(
                  CurrentEventsByPersistenceIdQuery.class,
                  cfg.getString("statehouse.node.read-journal"));
      ApiRoutes routes =
          new ApiRoutes(
              http,
              keys,
              runtime,
              new Definitions(cfg, deps.models().providers()),
              directory,
              events,
              system,
              readiness(system),
              demo ? new DemoTools().routes() : Directives.reject());
      ServerBinding binding =
          Http.get(system)
              .newServerAt(http.host(), http.port())
              .bind(routes.route())
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      binding.addToCoordinatedShutdown(Duration.ofSeconds(10), system);
      StatehouseNode node = new StatehouseNode(system, binding, cassandra, runtime, keys);
      if (demo) {
        DemoContent.register(runtime, cfg, node.port(), STARTUP_TIMEOUT);
      }
      return node;
    } catch (Exception | Error e) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      if (cassandra != null) {
        cassandra.stop();
      }
      throw e;
    }
  }

  /** A node with no seed nodes forms a cluster of one by joining itself. */
  private static void joinCluster(ActorSystem<Void> system, Config cfg) {
    List<String> seeds = cfg.getStringList("pekko.cluster.seed-nodes");
    if (seeds.isEmpty() && cfg.getBoolean("statehouse.cluster.self-join")) {
      Cluster cluster = Cluster.get(system);
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
  }

  /** Ready: this node is an Up cluster member and the journal's Cassandra answers. */
  private static java.util.function.Supplier<CompletionStage<Boolean>> readiness(
      ActorSystem<Void> system) {
    CassandraHealthCheck cassandraCheck = new CassandraHealthCheck(Adapter.toClassic(system));
    return () -> {
      if (Cluster.get(system).selfMember().status() != MemberStatus.up()) {
        return CompletableFuture.completedFuture(false);
      }
      return FutureConverters.asJava(cassandraCheck.apply()).thenApply(ok -> (Boolean) ok);
    };
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

  public ActorSystem<Void> system() {
    return system;
  }

  public StatehouseRuntime runtime() {
    return runtime;
  }

  public ApiKeys keys() {
    return keys;
  }

  public RunningCassandra cassandra() {
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
      cassandra.stop();
    }
  }
}

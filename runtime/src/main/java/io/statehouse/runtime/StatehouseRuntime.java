package io.statehouse.runtime;

import com.typesafe.config.Config;
import io.statehouse.runtime.catalog.Catalog;
import io.statehouse.runtime.model.ModelClients;
import io.statehouse.runtime.model.scripted.ScriptedModelClient;
import io.statehouse.runtime.session.AgentSession;
import io.statehouse.runtime.session.SessionDeps;
import io.statehouse.runtime.session.SessionDirectory;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.session.SessionSettings;
import io.statehouse.runtime.tool.ArgumentValidator;
import io.statehouse.runtime.tool.http.HttpToolExecutor;
import java.time.Clock;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Wires the runtime's sharded entities into an actor system. {@code Main} calls {@link #init}, and
 * so do the integration tests: there is one way to start a node.
 */
public final class StatehouseRuntime {
  private final ClusterSharding sharding;

  private StatehouseRuntime(ClusterSharding sharding) {
    this.sharding = sharding;
  }

  /**
   * Registers the {@code session} and {@code catalog} entity types. Sessions are remembered
   * entities: a session that was running when its node died is started again by sharding and
   * resumes its turn without a client request.
   */
  public static StatehouseRuntime init(ActorSystem<?> system, SessionDeps deps) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(
        Entity.of(
                AgentSession.ENTITY_TYPE,
                ctx ->
                    AgentSession.create(
                        SessionId.fromEntityId(ctx.getEntityId()), deps, ctx.getShard()))
            .withSettings(ClusterShardingSettings.create(system).withRememberEntities(true))
            .withStopMessage(new AgentSession.Stop()));
    sharding.init(
        Entity.of(Catalog.ENTITY_TYPE, ctx -> Catalog.create(ctx.getEntityId(), deps.clock())));
    return new StatehouseRuntime(sharding);
  }

  /**
   * The dependencies a node uses by default: the scripted model and HTTP tools, from config, and
   * the directory session list entries go to.
   */
  public static SessionDeps defaultDeps(Config config, SessionDirectory directory) {
    Config tools = config.getConfig("statehouse.tools");
    return new SessionDeps(
        new ModelClients(Map.of(ScriptedModelClient.PROVIDER, new ScriptedModelClient())),
        new HttpToolExecutor(
            tools.getDuration("connect-timeout"),
            (int) tools.getMemorySize("max-result-size").toBytes()),
        new ArgumentValidator(),
        directory,
        SessionSettings.fromConfig(config),
        Clock.systemUTC());
  }

  public EntityRef<AgentSession.Command> session(SessionId id) {
    return sharding.entityRefFor(AgentSession.ENTITY_TYPE, id.entityId());
  }

  public EntityRef<Catalog.Command> catalog(String tenant) {
    return sharding.entityRefFor(Catalog.ENTITY_TYPE, tenant);
  }
}

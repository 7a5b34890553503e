package io.statehouse.api.ops;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * The node's metric registry, one per actor system, so that the management port (whose routes Pekko
 * Management builds from config, by class name) and the node's wiring share it.
 */
public final class NodeMetrics implements Extension {
  private static final ExtensionId<NodeMetrics> ID =
      new ExtensionId<>() {
        @Override
        public NodeMetrics createExtension(ActorSystem<?> system) {
          return new NodeMetrics();
        }
      };

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final MetricsRoute route = new MetricsRoute(registry);

  public static NodeMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  public MetricsRoute route() {
    return route;
  }

  /**
   * {@code GET /metrics} on the management port: named in management.conf's {@code
   * pekko.management.http.routes}, built by Pekko Management with the node's actor system.
   */
  public static final class RouteProvider implements ManagementRouteProvider {
    private final MetricsRoute route;

    public RouteProvider(ExtendedActorSystem system) {
      this.route = get(Adapter.toTyped(system)).route();
    }

    @Override
    public Route routes(ManagementRouteProviderSettings settings) {
      return route.route();
    }
  }
}

package io.statehouse.api.demo;

import com.typesafe.config.ConfigFactory;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * The demo tools in a process of their own, for the local cluster (deploy/cluster.sh): every node's
 * demo agents call this one server, so a refund de-duplicated by its idempotency key stays so when
 * the session moves to another node, and killing a node does not take the "customer's systems" down
 * with it. Usage: {@code DemoToolServer <port>}; Ctrl-C or SIGTERM stops it.
 */
public final class DemoToolServer {
  private DemoToolServer() {}

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
    // a plain local actor system: the tool server is no cluster member
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.empty(),
            "demo-tools",
            ConfigFactory.parseString("pekko.actor.provider = local\npekko.loglevel = WARNING")
                .withFallback(ConfigFactory.defaultReference()));
    ServerBinding binding =
        Http.get(system)
            .newServerAt("127.0.0.1", port)
            .bind(new DemoTools().routes())
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    System.out.println("Demo tools at http://127.0.0.1:" + binding.localAddress().getPort());
    Runtime.getRuntime().addShutdownHook(new Thread(system::terminate, "demo-tools-stop"));
    system.getWhenTerminated().toCompletableFuture().get();
  }
}

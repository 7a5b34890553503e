package io.statehouse.api.ops;

import io.statehouse.runtime.journal.JournalHealth;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.persistence.cassandra.healthcheck.CassandraHealthCheck;
import scala.jdk.javaapi.FutureConverters;

/**
 * Ready: this node is an Up cluster member, its journal monitor sees the journal, and Cassandra
 * answers. The API's {@code /health/ready} and the management port's {@code /ready} (a Pekko
 * Management readiness check, built by name from config with the classic system) both ask this.
 */
public final class NodeReadiness implements Supplier<CompletionStage<Boolean>> {
  private final org.apache.pekko.actor.typed.ActorSystem<?> system;
  private final CassandraHealthCheck cassandra;
  private final JournalHealth journal;

  public NodeReadiness(ActorSystem classic) {
    this.system = Adapter.toTyped(classic);
    this.cassandra = new CassandraHealthCheck(classic);
    this.journal = JournalHealth.get(system);
  }

  @Override
  public CompletionStage<Boolean> get() {
    if (!journal.available() || Cluster.get(system).selfMember().status() != MemberStatus.up()) {
      return CompletableFuture.completedFuture(false);
    }
    return FutureConverters.asJava(cassandra.apply()).thenApply(ok -> (Boolean) ok);
  }
}

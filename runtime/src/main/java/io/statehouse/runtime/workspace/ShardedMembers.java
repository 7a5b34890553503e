package io.statehouse.runtime.workspace;

import io.statehouse.runtime.Asks;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.session.AgentSession;
import io.statehouse.runtime.session.AgentSession.TurnAccepted;
import io.statehouse.runtime.session.AgentSession.TurnOutcome;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.session.SessionState;
import io.statehouse.runtime.telemetry.TraceParent;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/** Members' sessions reached through the node's sharding, wherever in the cluster they run. */
public final class ShardedMembers implements MemberSessions {
  private final ClusterSharding sharding;

  public ShardedMembers(ClusterSharding sharding) {
    this.sharding = sharding;
  }

  private EntityRef<AgentSession.Command> session(SessionId id) {
    return sharding.entityRefFor(AgentSession.ENTITY_TYPE, id.entityId());
  }

  @Override
  public CompletionStage<TurnAccepted> deliver(
      SessionId member, Principal owner, String text, String key, Duration timeout) {
    return deliver(member, owner, text, key, null, timeout);
  }

  @Override
  public CompletionStage<TurnAccepted> deliver(
      SessionId member,
      Principal owner,
      String text,
      String key,
      TraceParent trace,
      Duration timeout) {
    return Asks.askWithStatus(
        session(member),
        TurnAccepted.class,
        r -> new AgentSession.SendMessage(owner, text, key, trace, r),
        timeout);
  }

  @Override
  public CompletionStage<TurnOutcome> awaitTurn(SessionId member, String turnId, Duration timeout) {
    return Asks.askWithStatus(
        session(member), TurnOutcome.class, r -> new AgentSession.AwaitTurn(turnId, r), timeout);
  }

  @Override
  public CompletionStage<Void> close(
      SessionId member, Principal owner, String reason, Duration timeout) {
    return Asks.askWithStatus(
            session(member),
            SessionState.class,
            r -> new AgentSession.Close(owner, reason, r),
            timeout)
        .thenApply(s -> null);
  }
}

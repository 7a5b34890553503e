package io.statehouse.runtime.session;

import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.model.ModelClient;
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.ModelRequest;
import io.statehouse.runtime.model.ToolDescriptor;
import io.statehouse.runtime.session.AgentSession.Command;
import io.statehouse.runtime.session.AgentSession.ModelFailed;
import io.statehouse.runtime.session.AgentSession.ModelResponded;
import io.statehouse.runtime.tool.ToolCall;
import io.statehouse.runtime.tool.ToolInvocation;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The effects a session starts once their events are persisted: model calls (piped back to the
 * session), tool-call children, and its list entry. Never called from an event handler.
 */
final class SessionEffects {
  private final ActorContext<Command> context;
  private final SessionId id;
  private final SessionDeps deps;
  private final ActorRef<ToolCall.Finished> toolReplies;

  SessionEffects(
      ActorContext<Command> context,
      SessionId id,
      SessionDeps deps,
      ActorRef<ToolCall.Finished> toolReplies) {
    this.context = context;
    this.id = id;
    this.deps = deps;
    this.toolReplies = toolReplies;
  }

  /** Calls the model for the turn's current step; the answer comes back as a command. */
  void callModel(SessionState s) {
    Turn turn = s.turn();
    String turnId = turn.turnId();
    int step = turn.modelCalls();
    Optional<ModelClient> client = deps.models().forProvider(s.agent().model().provider());
    if (client.isEmpty()) {
      context
          .getSelf()
          .tell(
              new ModelFailed(
                  turnId,
                  step,
                  "model_unavailable",
                  "this node has no model provider " + s.agent().model().provider(),
                  false));
      return;
    }
    ModelRequest request =
        new ModelRequest(s.agent().model(), s.agent().instructions(), s.messages(), descriptors(s));
    CompletionStage<ModelReply> call;
    try {
      call =
          client
              .get()
              .converse(request, delta -> {})
              .toCompletableFuture()
              .copy()
              .orTimeout(deps.settings().modelCallTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    context.pipeToSelf(
        call,
        (reply, error) ->
            error == null
                ? new ModelResponded(turnId, step, reply)
                : new ModelFailed(
                    turnId, step, "model_error", String.valueOf(rootCause(error)), true));
  }

  /** Spawns the child that runs one tool call under the identity of whoever started the turn. */
  void startTool(SessionState s, ToolCallState call) {
    ToolSpec spec = s.tool(call.tool()).orElseThrow();
    Turn turn = s.turn();
    ToolInvocation.CallContext ctx =
        new ToolInvocation.CallContext(
            id.tenant(),
            subjectOf(turn.startedBy()),
            id.id(),
            s.agent().name(),
            turn.turnId(),
            call.callId());
    ToolInvocation first = new ToolInvocation(spec, call.input(), call.idempotencyKey(), 1, ctx);
    String name =
        "tool-" + URLEncoder.encode(call.callId(), StandardCharsets.UTF_8) + "-r" + call.round();
    context.spawn(ToolCall.create(first, deps.tools(), toolReplies), name);
  }

  /** Records the session's list entry as of event {@code sequenceNr}. */
  void recordListing(SessionState s, long sequenceNr) {
    String lastTurn =
        s.turn() != null
            ? s.turn().turnId()
            : s.recentTurns().isEmpty()
                ? null
                : s.recentTurns().get(s.recentTurns().size() - 1).turnId();
    deps.directory()
        .record(
            id,
            new SessionDirectory.Entry(
                id.id(),
                s.agent().name(),
                s.agent().version(),
                s.status(),
                lastTurn,
                s.createdAt(),
                s.updatedAt()),
            sequenceNr);
  }

  private static List<ToolDescriptor> descriptors(SessionState s) {
    return s.agent().tools().stream()
        .map(s::tool)
        .flatMap(Optional::stream)
        .map(t -> new ToolDescriptor(t.name(), t.description(), t.inputSchema()))
        .toList();
  }

  private static String subjectOf(String actor) {
    return actor != null && actor.startsWith("user:") ? actor.substring("user:".length()) : actor;
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }
}

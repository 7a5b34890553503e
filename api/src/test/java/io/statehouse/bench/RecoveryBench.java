package io.statehouse.bench;

import io.statehouse.runtime.Principal;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.catalog.Limits;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.catalog.RetryPolicy;
import io.statehouse.runtime.catalog.ScriptStep;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.ModelClients;
import io.statehouse.runtime.model.scripted.ScriptedModelClient;
import io.statehouse.runtime.session.AgentSession;
import io.statehouse.runtime.session.SessionDeps;
import io.statehouse.runtime.session.SessionDirectory;
import io.statehouse.runtime.session.SessionId;
import io.statehouse.runtime.session.SessionSettings;
import io.statehouse.runtime.session.SessionState;
import io.statehouse.runtime.tool.ArgumentValidator;
import io.statehouse.runtime.tool.ToolResult;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/**
 * How long a session with about 1,000 events takes to recover, with snapshots every 100 events and
 * without any. Sessions are spawned directly (not through sharding) on the node's journal, filled
 * with 125 turns of 8 events, stopped, then started again and timed until they answer.
 */
final class RecoveryBench {
  private static final Duration ASK = Duration.ofSeconds(60);
  private static final Principal OWNER = new Principal("bench", "bench", List.of());

  record Result(int events, double medianMs, double minMs) {}

  static Result run(ActorSystem<?> system, String name, int snapshotEvery, int turns, int repeats)
      throws Exception {
    SessionDeps deps =
        new SessionDeps(
            new ModelClients(Map.of("scripted", new ScriptedModelClient())),
            invocation ->
                CompletableFuture.completedFuture(new ToolResult.Success("{\"ok\":true}")),
            new ArgumentValidator(),
            SessionDirectory.NONE,
            new SessionSettings(
                snapshotEvery,
                2,
                Duration.ofMinutes(30),
                Duration.ofSeconds(30),
                3,
                Duration.ofSeconds(1),
                Duration.ofMillis(200),
                Duration.ofSeconds(3)),
            Clock.systemUTC());
    SessionId id =
        new SessionId("bench", "ses_recovery_" + name + "_" + System.currentTimeMillis());
    ActorRef<AgentSession.Command> writer =
        system.systemActorOf(AgentSession.create(id, deps, null), "w-" + id.id(), Props.empty());
    ask(
        system,
        writer,
        SessionState.class,
        r -> new AgentSession.Create(OWNER, agent(), List.of(tool()), Map.of(), r));
    for (int i = 0; i < turns; i++) {
      int n = i;
      AgentSession.TurnAccepted accepted =
          ask(
              system,
              writer,
              AgentSession.TurnAccepted.class,
              r -> new AgentSession.SendMessage(OWNER, "turn " + n, null, r));
      ask(
          system,
          writer,
          AgentSession.TurnOutcome.class,
          r -> new AgentSession.AwaitTurn(accepted.turnId(), r));
    }
    writer.tell(new AgentSession.Stop());
    Thread.sleep(1_000);

    List<Double> samples = new ArrayList<>();
    long events = 0;
    for (int i = 0; i < repeats; i++) {
      long t0 = System.nanoTime();
      ActorRef<AgentSession.Command> reader =
          system.systemActorOf(
              AgentSession.create(id, deps, null), "r" + i + "-" + id.id(), Props.empty());
      SessionState state = ask(system, reader, SessionState.class, AgentSession.Get::new);
      samples.add((System.nanoTime() - t0) / 1e6);
      events = 1 + state.turnsStarted() * 8;
      reader.tell(new AgentSession.Stop());
      Thread.sleep(300);
    }
    List<Double> sorted = samples.stream().sorted().toList();
    return new Result((int) events, sorted.get(sorted.size() / 2), sorted.get(0));
  }

  private static <R> R ask(
      ActorSystem<?> system,
      ActorRef<AgentSession.Command> ref,
      Class<R> replyType,
      org.apache.pekko.japi.function.Function<ActorRef<StatusReply<R>>, AgentSession.Command>
          message)
      throws Exception {
    StatusReply<R> reply =
        AskPattern.ask(ref, message, ASK, system.scheduler())
            .toCompletableFuture()
            .get(ASK.toSeconds(), TimeUnit.SECONDS);
    return reply.getValue();
  }

  private static ToolSpec tool() {
    return new ToolSpec(
        "echo",
        1,
        "",
        Json.object().put("type", "object"),
        true,
        Duration.ofSeconds(5),
        new RetryPolicy(1, Duration.ZERO, null),
        new HttpTarget("POST", "http://unused.invalid/", null));
  }

  private static AgentSpec agent() {
    return new AgentSpec(
        "bench",
        1,
        "",
        "",
        new ModelSpec(
            "scripted",
            null,
            null,
            true,
            List.of(
                new ScriptStep(null, List.of(new ScriptStep.Call("echo", Json.object()))),
                new ScriptStep("ok", List.of()))),
        List.of("echo"),
        new Limits(8, 0, null));
  }
}

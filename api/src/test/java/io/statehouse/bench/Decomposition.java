package io.statehouse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.statehouse.api.it.Api;
import io.statehouse.runtime.catalog.HttpTarget;
import io.statehouse.runtime.catalog.RetryPolicy;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.tool.ToolInvocation;
import io.statehouse.runtime.tool.ToolResult;
import io.statehouse.runtime.tool.egress.NodePorts;
import io.statehouse.runtime.tool.http.HttpToolExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** The parts a turn is made of, each timed alone, sequentially. */
final class Decomposition {
  private Decomposition() {}

  /** An HTTP round trip to the node that does no work ({@code GET /health/alive}). */
  static Stats httpNoop(Api api, int warmup, int count) {
    List<Long> samples = new ArrayList<>();
    for (int i = 0; i < warmup + count; i++) {
      long t0 = System.nanoTime();
      if (api.get("/health/alive", null).status() != 200) {
        throw new IllegalStateException("node not alive");
      }
      if (i >= warmup) {
        samples.add(System.nanoTime() - t0);
      }
    }
    return new Stats(samples);
  }

  /** One tool call through the same executor the node uses, to a tool that answers at once. */
  static Stats toolCall(String url, int warmup, int count) throws Exception {
    // the tool server is on loopback, which only the dev config opens
    HttpToolExecutor executor =
        HttpToolExecutor.fromConfig(
            ConfigFactory.parseString(
                    "statehouse.egress.default.allow-cidrs = [\"127.0.0.0/8\", \"::1/128\"]")
                .withFallback(ConfigFactory.load())
                .resolve(),
            NodePorts.none());
    JsonNode schema = Json.object().put("type", "object");
    ToolSpec spec =
        new ToolSpec(
            "echo",
            1,
            "",
            schema,
            true,
            Duration.ofSeconds(5),
            new RetryPolicy(1, Duration.ZERO, null),
            new HttpTarget("POST", url, null));
    List<Long> samples = new ArrayList<>();
    for (int i = 0; i < warmup + count; i++) {
      ToolInvocation inv =
          new ToolInvocation(
              spec,
              Json.object().put("q", "x"),
              "k" + i,
              1,
              new ToolInvocation.CallContext("t", "s", "ses", "a", "turn", "c" + i));
      long t0 = System.nanoTime();
      ToolResult r = executor.execute(inv).toCompletableFuture().get(10, TimeUnit.SECONDS);
      if (!(r instanceof ToolResult.Success)) {
        throw new IllegalStateException("tool failed: " + r);
      }
      if (i >= warmup) {
        samples.add(System.nanoTime() - t0);
      }
    }
    return new Stats(samples);
  }

  /** One persist round trip of a {@code bytes}-sized event through Pekko Persistence. */
  static Stats persist(ActorSystem<?> system, int bytes, int warmup, int count) throws Exception {
    ActorRef<PersistProbe.Write> probe = probe(system, false);
    byte[] payload = new byte[bytes];
    List<Long> samples = new ArrayList<>();
    for (int i = 0; i < warmup + count; i++) {
      long t = timePersist(system, probe, payload);
      if (i >= warmup) {
        samples.add(t);
      }
    }
    return new Stats(samples);
  }

  /**
   * Untagged against tagged persists, in alternating blocks on the same node, so that warm-up and
   * background work weigh on both alike. Needs events-by-tag on. Returns {untagged, tagged}.
   */
  static Stats[] persistTaggedVersusUntagged(
      ActorSystem<?> system, int bytes, int rounds, int perRound) throws Exception {
    ActorRef<PersistProbe.Write> plain = probe(system, false);
    ActorRef<PersistProbe.Write> tagged = probe(system, true);
    byte[] payload = new byte[bytes];
    List<Long> plainSamples = new ArrayList<>();
    List<Long> taggedSamples = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < perRound; i++) {
        long t = timePersist(system, plain, payload);
        if (r > 0) {
          plainSamples.add(t);
        }
      }
      for (int i = 0; i < perRound; i++) {
        long t = timePersist(system, tagged, payload);
        if (r > 0) {
          taggedSamples.add(t);
        }
      }
    }
    return new Stats[] {new Stats(plainSamples), new Stats(taggedSamples)};
  }

  private static ActorRef<PersistProbe.Write> probe(ActorSystem<?> system, boolean tagged) {
    String id = (tagged ? "tagged-" : "plain-") + System.nanoTime();
    return system.systemActorOf(new PersistProbe(id, tagged), "probe-" + id, Props.empty());
  }

  private static long timePersist(
      ActorSystem<?> system, ActorRef<PersistProbe.Write> probe, byte[] payload) throws Exception {
    long t0 = System.nanoTime();
    AskPattern.<PersistProbe.Write, Done>ask(
            probe,
            r -> new PersistProbe.Write(payload, r),
            Duration.ofSeconds(10),
            system.scheduler())
        .toCompletableFuture()
        .get(15, TimeUnit.SECONDS);
    return System.nanoTime() - t0;
  }
}

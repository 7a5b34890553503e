package io.statehouse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.api.StatehouseNode;
import io.statehouse.api.it.Api;
import io.statehouse.api.it.Defs;
import io.statehouse.api.it.ItKeys;
import io.statehouse.api.it.NodeConfig;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.model.bedrock.FakeBedrock;
import io.statehouse.runtime.testing.LocalHttpServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the Bedrock path costs the runtime, and what prompt caching saves ({@code models=on}).
 *
 * <ul>
 *   <li>Turns of one model call, no tool, on the scripted model and on Bedrock through the real AWS
 *       SDK against {@link FakeBedrock} (a local Converse endpoint that answers at once), runs
 *       alternating on one node: the difference is the SDK's request, the event-stream framing and
 *       the provider's own work per call. The fake runs in the node's JVM, so its CPU counts as the
 *       node's.
 *   <li>A 30-turn session with {@code promptCache: auto} against one without, on the fake's
 *       accounting (a token is a word; a cache point's prefix is read from the cache when an
 *       earlier request had the same prefix, written otherwise), priced with the shipped table's
 *       Claude 3.5 Haiku prices.
 * </ul>
 */
final class ModelPathBench {
  static final String PRICED_MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";
  private static final int CACHE_TURNS = 30;

  private ModelPathBench() {}

  static void run(
      CassandraTestKeyspaces keyspaces,
      LocalHttpServer tools,
      List<Integer> sessionCounts,
      Duration warmup,
      Duration duration,
      long cassandraPid,
      Consumer<String> figure)
      throws Exception {
    // the default AWS credentials chain reads these first; nothing here is a real credential
    System.setProperty("aws.accessKeyId", "AKIDLOCALBENCH");
    System.setProperty("aws.secretAccessKey", "local-bench-secret");
    try (FakeBedrock bedrock = FakeBedrock.start().withoutRecording();
        StatehouseNode node =
            StatehouseNode.start(
                NodeConfig.full(
                    keyspaces,
                    0,
                    "statehouse.models.bedrock { region = us-east-1, endpoint = \""
                        + bedrock.endpoint()
                        + "\" }"))) {
      Api api = new Api("127.0.0.1", node.port());
      api.putTool(ItKeys.ACME_ALICE, "echo", Defs.tool(tools.url("/echo"), true, "5s"));
      api.putAgent(
          ItKeys.ACME_ALICE,
          "text-scripted",
          Defs.agent("[]", "[" + Defs.text("ok") + "]", true, 0L));
      api.putAgent(ItKeys.ACME_ALICE, "text-bedrock", bedrockAgent("off", "[]", "Answer."));
      // the SDK, Netty and the event-stream code are not yet compiled: warm them like the rest
      TurnLoad.run(api, "text-bedrock", 16, Duration.ZERO, Duration.ofSeconds(30), cassandraPid);
      figure.accept(
          "-- one model call per turn, no tool: scripted against Bedrock (local endpoint)");
      for (int n : sessionCounts) {
        figure.accept(
            StatehouseBench.turnLine(
                "  scripted model",
                TurnLoad.run(api, "text-scripted", n, warmup, duration, cassandraPid)));
        figure.accept(
            StatehouseBench.turnLine(
                "  bedrock (SDK, ConverseStream)",
                TurnLoad.run(api, "text-bedrock", n, warmup, duration, cassandraPid)));
      }

      String system = words("You are a careful support agent for a hardware store.", 400);
      api.putAgent(ItKeys.ACME_ALICE, "cache-auto", bedrockAgent("auto", "[\"echo\"]", system));
      api.putAgent(ItKeys.ACME_ALICE, "cache-off", bedrockAgent("off", "[\"echo\"]", system));
      JsonNode cached = thirtyTurns(api, "cache-auto");
      JsonNode uncached = thirtyTurns(api, "cache-off");
      figure.accept(
          "-- a "
              + CACHE_TURNS
              + "-turn session (400-word system prompt, one tool, 60-word messages),"
              + " priced as "
              + PRICED_MODEL);
      figure.accept(usageLine("  promptCache off", uncached));
      figure.accept(usageLine("  promptCache auto", cached));
      double saved =
          1
              - cached.path("costUsd").decimalValue().doubleValue()
                  / uncached.path("costUsd").decimalValue().doubleValue();
      figure.accept(String.format("  cost saved by promptCache auto: %.1f %%", saved * 100));
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }

  private static String bedrockAgent(String promptCache, String toolsJson, String instructions) {
    return "{\"instructions\":\""
        + instructions
        + "\",\"model\":{\"provider\":\"bedrock\",\"id\":\""
        + PRICED_MODEL
        + "\",\"maxTokens\":100,\"promptCache\":\""
        + promptCache
        + "\"},\"tools\":"
        + toolsJson
        + "}";
  }

  /** Runs the turns in one session and returns its usage. */
  private static JsonNode thirtyTurns(Api api, String agent) {
    List<String> messages = new ArrayList<>();
    for (int i = 0; i < CACHE_TURNS; i++) {
      messages.add(
          words("Question " + i + " about bolts, nuts and washers in aisle " + i + ".", 60));
    }
    String id = api.sessionWithTurns(ItKeys.ACME_ALICE, agent, messages.toArray(String[]::new));
    return api.get("/v1/sessions/" + id, ItKeys.ACME_ALICE).body().path("usage");
  }

  private static String usageLine(String what, JsonNode u) {
    return String.format(
        "%-20s input %7d  cache read %7d  cache write %6d  output %5d  cost %s USD",
        what,
        u.path("inputTokens").asLong(),
        u.path("cacheReadTokens").asLong(),
        u.path("cacheWriteTokens").asLong(),
        u.path("outputTokens").asLong(),
        u.path("costUsd").decimalValue().toPlainString());
  }

  /** {@code seed} repeated until the text has {@code count} words. */
  private static String words(String seed, int count) {
    String[] w = seed.split(" ");
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        b.append(' ');
      }
      b.append(w[i % w.length]);
    }
    return b.toString();
  }
}

package io.statehouse.runtime.model.bedrock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.ModelCallException;
import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.ModelRequest;
import io.statehouse.runtime.model.ToolDescriptor;
import io.statehouse.runtime.model.bedrock.FakeBedrock.Reply;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/** The bedrock provider through the real AWS SDK, against a local Converse endpoint. */
class BedrockModelClientTest {
  private static final String HAIKU = "anthropic.claude-3-haiku-20240307-v1:0";
  private static FakeBedrock fake;
  private static BedrockModelClient client;

  @BeforeAll
  static void start() {
    fake = FakeBedrock.start();
    client =
        new BedrockModelClient(
            settings(fake),
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")));
  }

  @AfterAll
  static void stop() {
    client.close();
    fake.close();
  }

  private static BedrockSettings settings(FakeBedrock f) {
    return new BedrockSettings(
        Optional.of("us-east-1"),
        Optional.of(f.endpoint()),
        Duration.ofSeconds(2),
        Duration.ofSeconds(2),
        8,
        4,
        Duration.ofMillis(5),
        Duration.ofMillis(40),
        Duration.ofSeconds(20));
  }

  private static ModelRequest request(String options) throws Exception {
    JsonNode o = options == null ? null : Json.MAPPER.readTree(options);
    return new ModelRequest(
        new ModelSpec("bedrock", HAIKU, null, false, List.of(), o),
        "You answer about orders.",
        List.of(ChatMessage.user("where is order 7?")),
        List.of(
            new ToolDescriptor(
                "lookup",
                "Finds an order",
                Json.MAPPER.readTree(
                    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}}}"))));
  }

  private static ModelReply call(ModelRequest r, List<ModelDelta> deltas) throws Exception {
    return client.converse(r, deltas::add).toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static String text(List<ModelDelta> deltas) {
    StringBuilder b = new StringBuilder();
    deltas.forEach(d -> b.append(d instanceof ModelDelta.Text t ? t.text() : ""));
    return b.toString();
  }

  private static long texts(List<ModelDelta> deltas) {
    return deltas.stream().filter(d -> d instanceof ModelDelta.Text).count();
  }

  /** Waits until {@code check} holds, up to five seconds. */
  private static void await(java.util.function.BooleanSupplier check) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!check.getAsBoolean()) {
      assertTrue(System.nanoTime() < until, "timed out waiting");
      Thread.sleep(10);
    }
  }

  private static ModelCallException failure(ModelRequest r) {
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> client.converse(r, d -> {}).toCompletableFuture().get(20, TimeUnit.SECONDS));
    return assertInstanceOf(ModelCallException.class, e.getCause());
  }

  @Test
  void aStreamedReplyPassesTextOnAsDeltasAndAssemblesItsToolUse() throws Exception {
    fake.enqueue(
        Reply.text("Let me look that up.")
            .andToolUse("tu_9", "lookup", Json.object().put("id", 7))
            .stopReason("tool_use")
            .usage(30, 12));
    List<ModelDelta> deltas = new CopyOnWriteArrayList<>();
    ModelReply reply = call(request(null), deltas);

    assertTrue(texts(deltas) >= 2, "several deltas: " + deltas);
    assertEquals("Let me look that up.", text(deltas));
    assertEquals("Let me look that up.", reply.text());
    assertEquals("tool_use", reply.stopReason());
    assertEquals(1, reply.toolUses().size());
    assertEquals("tu_9", reply.toolUses().get(0).id());
    assertEquals(7, reply.toolUses().get(0).input().get("id").intValue());
    assertEquals(30, reply.usage().inputTokens());
    assertEquals(12, reply.usage().outputTokens());
  }

  @Test
  void aStreamedToolUsesInputArrivesInPiecesUnderItsIdAfterTheText() throws Exception {
    JsonNode input = Json.MAPPER.readTree("{\"id\":7,\"note\":\"gift — wrap it ✓\"}");
    fake.enqueue(
        Reply.text("Checking both.")
            .andToolUse("tu_1", "lookup", input)
            .andToolUse("tu_2", "lookup", Json.object().put("id", 8)));
    List<ModelDelta> deltas = new CopyOnWriteArrayList<>();
    ModelReply reply = call(request(null), deltas);

    int firstInput = 0;
    while (deltas.get(firstInput) instanceof ModelDelta.Text) {
      firstInput++;
    }
    assertEquals("Checking both.", text(deltas.subList(0, firstInput)));
    List<ModelDelta.ToolInput> inputs =
        deltas.subList(firstInput, deltas.size()).stream()
            .map(d -> assertInstanceOf(ModelDelta.ToolInput.class, d))
            .toList();
    // the fake sends each input in two fragments, one use after the other
    assertEquals(
        List.of("tu_1", "tu_1", "tu_2", "tu_2"),
        inputs.stream().map(ModelDelta.ToolInput::toolUseId).toList());
    assertTrue(inputs.stream().allMatch(d -> d.tool().equals("lookup")));
    assertEquals(
        input, Json.MAPPER.readTree(inputs.get(0).json() + inputs.get(1).json()), "in order");
    assertEquals(reply.toolUses().get(0).input(), input);
    assertEquals(
        reply.toolUses().get(1).input(),
        Json.MAPPER.readTree(inputs.get(2).json() + inputs.get(3).json()));
  }

  @Test
  void cancellingAStreamAbortsTheRequestAndStopsItsDeltas() throws Exception {
    int before = fake.requestCount();
    // messageStart and two words, then " more" every 40 ms until the client goes away
    fake.enqueue(Reply.text("one two").trickleAfter(3, 40));
    List<ModelDelta> deltas = new CopyOnWriteArrayList<>();
    CompletableFuture<ModelReply> call =
        client.converse(request(null), deltas::add).toCompletableFuture();
    await(() -> texts(deltas) >= 4);

    assertTrue(call.cancel(true));
    int atCancel = deltas.size();
    assertTrue(fake.awaitAbandoned(5_000), "the fake saw the connection closed");
    Thread.sleep(200); // five more trickles' time, had the stream gone on
    assertTrue(deltas.size() <= atCancel + 1, "at most the one being handed over: " + deltas);
    assertTrue(call.isCancelled());
    assertThrows(CancellationException.class, call::join);
    assertEquals(1, fake.requestCount() - before, "nothing was tried again");
  }

  @Test
  void cancellingDuringABackoffDropsItsTimerAndStartsNoRetry() throws Exception {
    BedrockSettings slowRetries =
        new BedrockSettings(
            Optional.of("us-east-1"),
            Optional.of(fake.endpoint()),
            Duration.ofSeconds(2),
            Duration.ofSeconds(2),
            8,
            4,
            Duration.ofMillis(1500),
            Duration.ofMillis(1500),
            Duration.ofSeconds(20));
    try (BedrockModelClient c =
        new BedrockModelClient(
            slowRetries,
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")))) {
      int before = fake.requestCount();
      fake.enqueue(Reply.throttled());
      CompletableFuture<ModelReply> call = c.converse(request(null), d -> {}).toCompletableFuture();
      // the throttle is answered and the 1.5 s pause before the retry is on the timer
      ScheduledThreadPoolExecutor timer = (ScheduledThreadPoolExecutor) c.scheduler();
      await(() -> timer.getQueue().size() == 1);

      assertTrue(call.cancel(true));
      // the attempt's callback may still be handing the pause over to the call when the cancel
      // lands; it is dropped then. Well before the 1.5 s it would have taken to run out:
      long dropBy = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
      while (!timer.getQueue().isEmpty() && System.nanoTime() < dropBy) {
        Thread.sleep(5);
      }
      assertTrue(timer.getQueue().isEmpty(), "the pause's timer is dropped");
      Thread.sleep(2_000);
      assertEquals(1, fake.requestCount() - before, "no retry after the cancel");
      assertTrue(call.isCancelled());
    }
  }

  @Test
  void whatTheSdkSendsCarriesSystemToolsInferenceGuardrailAndCachePoints() throws Exception {
    int before = fake.requestCount();
    call(
        request(
            "{\"maxTokens\":256,\"temperature\":0.1,\"stopSequences\":[\"END\"],"
                + "\"additionalFields\":{\"top_k\":5},"
                + "\"guardrail\":{\"id\":\"gr1abc\",\"version\":\"3\",\"trace\":\"enabled\"},"
                + "\"promptCache\":\"auto\"}"),
        new CopyOnWriteArrayList<>());
    FakeBedrock.Recorded sent = fake.requests().get(before);

    assertEquals("converse-stream", sent.operation());
    assertEquals(HAIKU, sent.modelId());
    JsonNode body = sent.body();
    assertEquals("You answer about orders.", body.at("/system/0/text").textValue());
    assertEquals("default", body.at("/system/1/cachePoint/type").textValue());
    assertEquals("lookup", body.at("/toolConfig/tools/0/toolSpec/name").textValue());
    assertEquals(
        "integer",
        body.at("/toolConfig/tools/0/toolSpec/inputSchema/json/properties/id/type").textValue());
    assertEquals("default", body.at("/toolConfig/tools/1/cachePoint/type").textValue());
    assertEquals(256, body.at("/inferenceConfig/maxTokens").intValue());
    assertEquals("END", body.at("/inferenceConfig/stopSequences/0").textValue());
    assertEquals(5, body.at("/additionalModelRequestFields/top_k").intValue());
    assertEquals("gr1abc", body.at("/guardrailConfig/guardrailIdentifier").textValue());
    assertEquals("3", body.at("/guardrailConfig/guardrailVersion").textValue());
    assertEquals("enabled", body.at("/guardrailConfig/trace").textValue());
    assertEquals("where is order 7?", body.at("/messages/0/content/0/text").textValue());
    assertTrue(sent.headers().keySet().stream().anyMatch(h -> h.equalsIgnoreCase("authorization")));
  }

  @Test
  void withStreamingOffTheJsonOperationAnswers() throws Exception {
    int before = fake.requestCount();
    fake.enqueue(Reply.text("Plain answer.").andToolUse("tu_3", "lookup", Json.object()));
    List<ModelDelta> deltas = new CopyOnWriteArrayList<>();
    ModelReply reply = call(request("{\"streaming\":false}"), deltas);
    assertEquals("converse", fake.requests().get(before).operation());
    assertTrue(deltas.isEmpty(), "nothing streams without a stream: " + deltas);
    assertEquals("Plain answer.", reply.text());
    assertEquals("tool_use", reply.stopReason());
  }

  @Test
  void throttlingIsRetriedUntilBedrockAnswers() throws Exception {
    int before = fake.requestCount();
    fake.enqueue(Reply.throttled(), Reply.throttled(), Reply.text("finally"));
    ModelReply reply = call(request(null), new CopyOnWriteArrayList<>());
    assertEquals("finally", reply.text());
    assertEquals(3, fake.requestCount() - before);
  }

  @Test
  void throttlingOnEveryAttemptFailsAsThrottledAndIsNotRetriedByTheSession() throws Exception {
    int before = fake.requestCount();
    fake.enqueue(Reply.throttled(), Reply.throttled(), Reply.throttled(), Reply.throttled());
    ModelCallException e = failure(request(null));
    assertEquals("model_throttled", e.code());
    assertFalse(e.retryable());
    assertTrue(e.getMessage().contains("after 4 attempts"), e.getMessage());
    assertEquals(4, fake.requestCount() - before);
  }

  @Test
  void aValidationErrorFailsAtOnceWithTheProvidersMessage() throws Exception {
    int before = fake.requestCount();
    fake.enqueue(
        Reply.error(
            400, "ValidationException", "The model returned the following errors: bad role"));
    ModelCallException e = failure(request(null));
    assertEquals("model_validation", e.code());
    assertTrue(e.getMessage().contains("bad role"), e.getMessage());
    assertEquals(1, fake.requestCount() - before);
  }

  @Test
  void maxTokensAndGuardrailStopReasonsReachTheReply() throws Exception {
    fake.enqueue(
        Reply.text("The answer is cut").stopReason("max_tokens"),
        Reply.text("Sorry, I cannot help with that.").stopReason("guardrail_intervened"));
    assertEquals("max_tokens", call(request(null), new CopyOnWriteArrayList<>()).stopReason());
    assertEquals(
        "guardrail_intervened", call(request(null), new CopyOnWriteArrayList<>()).stopReason());
  }

  @Test
  void aStreamThatBreaksAfterTextWasShownIsNotRepeated() throws Exception {
    int before = fake.requestCount();
    // messageStart, then two text deltas, then the connection drops
    fake.enqueue(Reply.text("one two three four").cutAfter(3));
    ModelCallException e = failure(request(null));
    assertEquals(1, fake.requestCount() - before, "the user saw text: no second attempt");
    assertFalse(e.retryable());
  }

  @Test
  void aStreamThatFailsBeforeAnyTextIsTriedAgain() throws Exception {
    int before = fake.requestCount();
    fake.enqueue(
        Reply.text("x").streamExceptionAfter(1, "throttlingException", "slow down"),
        Reply.text("second try"));
    ModelReply reply = call(request(null), new CopyOnWriteArrayList<>());
    assertEquals("second try", reply.text());
    assertEquals(2, fake.requestCount() - before);
  }

  @Test
  void aStreamCutBeforeAnyTextIsTriedAgain() throws Exception {
    int before = fake.requestCount();
    // only messageStart arrives, then the connection drops: nothing was shown, so try again
    fake.enqueue(Reply.text("lost").cutAfter(1), Reply.text("whole"));
    ModelReply reply = call(request(null), new CopyOnWriteArrayList<>());
    assertEquals("whole", reply.text());
    assertEquals(2, fake.requestCount() - before);
  }

  @Test
  void aStreamThatFallsSilentFailsOnTheReadTimeoutAndIsTriedAgain() throws Exception {
    int before = fake.requestCount();
    // messageStart, then silence: the read timeout (2 s here) ends the attempt, not the budget
    fake.enqueue(Reply.text("never").stallAfter(1), Reply.text("after the silence"));
    ModelReply reply = call(request(null), new CopyOnWriteArrayList<>());
    assertEquals("after the silence", reply.text());
    assertEquals(2, fake.requestCount() - before);
  }

  @Test
  void theDefaultRegionIsLookedUpOnceAndNeverOnTheCallersThread() throws Exception {
    BedrockSettings noRegion =
        new BedrockSettings(
            Optional.empty(),
            Optional.of(fake.endpoint()),
            Duration.ofSeconds(2),
            Duration.ofSeconds(2),
            8,
            4,
            Duration.ofMillis(5),
            Duration.ofMillis(40),
            Duration.ofSeconds(20));
    java.util.concurrent.atomic.AtomicInteger lookups =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    try (BedrockModelClient c =
        new BedrockModelClient(
            noRegion,
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")),
            () -> {
              lookups.incrementAndGet();
              try {
                // like the instance metadata service, slow to answer that there is no region
                release.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return Optional.empty();
            })) {
      var first = c.converse(request(null), d -> {}).toCompletableFuture();
      var second = c.converse(request(null), d -> {}).toCompletableFuture();
      assertFalse(first.isDone(), "the caller returned while the lookup waits");
      release.countDown();
      for (var call : List.of(first, second)) {
        ExecutionException e =
            assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
        assertEquals(
            "model_region", assertInstanceOf(ModelCallException.class, e.getCause()).code());
      }
      c.converse(request(null), d -> {})
          .toCompletableFuture()
          .handle((r, e) -> null)
          .get(10, TimeUnit.SECONDS);
      assertEquals(1, lookups.get());
    }
  }

  @Test
  void aCallCancelledWhileItsRegionIsLookedUpSendsNothing() throws Exception {
    BedrockSettings noRegion =
        new BedrockSettings(
            Optional.empty(),
            Optional.of(fake.endpoint()),
            Duration.ofSeconds(2),
            Duration.ofSeconds(2),
            8,
            4,
            Duration.ofMillis(5),
            Duration.ofMillis(40),
            Duration.ofSeconds(20));
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    try (BedrockModelClient c =
        new BedrockModelClient(
            noRegion,
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")),
            () -> {
              try {
                release.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return Optional.of("us-east-1");
            })) {
      int before = fake.requestCount();
      CompletableFuture<ModelReply> call = c.converse(request(null), d -> {}).toCompletableFuture();
      // cancelled before the call has a client: when the region comes, no attempt starts
      assertTrue(call.cancel(true));
      release.countDown();
      // a call the cancel missed would be answered (by the fake's default) well within this
      Thread.sleep(1_000);
      assertEquals(0, fake.requestCount() - before, "nothing was sent");
      // the region itself is kept for the next call
      assertEquals(
          "ok",
          c.converse(request(null), d -> {})
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS)
              .text());
    }
  }

  @Test
  void missingCredentialsFailAtOnceWithAClearError() throws Exception {
    try (BedrockModelClient noCredentials =
        new BedrockModelClient(
            settings(fake),
            () -> {
              throw SdkClientException.create(
                  "Unable to load credentials from any of the providers in the chain");
            })) {
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () ->
                  noCredentials
                      .converse(request(null), d -> {})
                      .toCompletableFuture()
                      .get(20, TimeUnit.SECONDS));
      ModelCallException m = assertInstanceOf(ModelCallException.class, e.getCause());
      assertEquals("model_credentials", m.code());
      assertFalse(m.getMessage().contains("secret"));
    }
  }
}

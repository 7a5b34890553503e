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
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.ModelRequest;
import io.statehouse.runtime.model.ToolDescriptor;
import io.statehouse.runtime.model.bedrock.FakeBedrock.Reply;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
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

  private static ModelReply call(ModelRequest r, List<String> deltas) throws Exception {
    return client.converse(r, deltas::add).toCompletableFuture().get(20, TimeUnit.SECONDS);
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
    List<String> deltas = new CopyOnWriteArrayList<>();
    ModelReply reply = call(request(null), deltas);

    assertTrue(deltas.size() >= 2, "several deltas: " + deltas);
    assertEquals("Let me look that up.", String.join("", deltas));
    assertEquals("Let me look that up.", reply.text());
    assertEquals("tool_use", reply.stopReason());
    assertEquals(1, reply.toolUses().size());
    assertEquals("tu_9", reply.toolUses().get(0).id());
    assertEquals(7, reply.toolUses().get(0).input().get("id").intValue());
    assertEquals(30, reply.usage().inputTokens());
    assertEquals(12, reply.usage().outputTokens());
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
    fake.enqueue(Reply.text("Plain answer."));
    ModelReply reply = call(request("{\"streaming\":false}"), new CopyOnWriteArrayList<>());
    assertEquals("converse", fake.requests().get(before).operation());
    assertEquals("Plain answer.", reply.text());
    assertEquals("end_turn", reply.stopReason());
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

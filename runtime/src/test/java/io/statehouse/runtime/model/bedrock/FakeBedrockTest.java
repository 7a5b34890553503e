package io.statehouse.runtime.model.bedrock;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.bedrock.FakeBedrock.Recorded;
import io.statehouse.runtime.model.bedrock.FakeBedrock.Reply;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.document.Document;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.ProtocolNegotiation;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.model.CachePointBlock;
import software.amazon.awssdk.services.bedrockruntime.model.CachePointType;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockDeltaEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockStartEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamMetadataEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamOutput;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.MessageStopEvent;
import software.amazon.awssdk.services.bedrockruntime.model.StopReason;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;
import software.amazon.awssdk.services.bedrockruntime.model.TokenUsage;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

/** The real Bedrock Runtime async client, pointed at the fake, gets what the fake was scripted. */
class FakeBedrockTest {
  private static final String ARN_MODEL =
      "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0";
  private static final String SYSTEM = "You are terse.";
  private static final String QUESTION = "What is the weather in Paris?";

  private static FakeBedrock fake;
  private static BedrockRuntimeAsyncClient client;

  @BeforeAll
  static void start() {
    fake = FakeBedrock.start();
    client = clientFor(fake);
  }

  @AfterAll
  static void stop() {
    client.close();
    fake.close();
  }

  @Test
  void converseReturnsScriptedTextAndToolUseAndRecordsTheRequestAsSent() throws Exception {
    JsonNode input = json("{\"city\":\"Paris\",\"days\":2}");
    fake.enqueue(Reply.text("Let me check.").andToolUse("t-1", "get_weather", input));
    int before = fake.requestCount();

    ConverseResponse response =
        client
            .converse(
                r ->
                    r.modelId(ARN_MODEL)
                        .system(SystemContentBlock.fromText(SYSTEM))
                        .messages(user(ContentBlock.fromText(QUESTION))))
            .get(5, SECONDS);

    List<ContentBlock> content = response.output().message().content();
    assertEquals(2, content.size());
    assertEquals("Let me check.", content.get(0).text());
    ToolUseBlock toolUse = content.get(1).toolUse();
    assertEquals("t-1", toolUse.toolUseId());
    assertEquals("get_weather", toolUse.name());
    Map<String, Document> arguments = toolUse.input().asMap();
    assertEquals("Paris", arguments.get("city").asString());
    assertEquals(2, arguments.get("days").asNumber().intValue());
    assertEquals(StopReason.TOOL_USE, response.stopReason());
    // input: 3 words of system + 6 of the question; output: 3 words + 1 tool use
    TokenUsage usage = response.usage();
    assertEquals(9, usage.inputTokens());
    assertEquals(4, usage.outputTokens());
    assertEquals(13, usage.totalTokens());
    assertNull(usage.cacheReadInputTokens());

    assertEquals(before + 1, fake.requestCount());
    Recorded recorded = fake.requests().get(before);
    assertEquals("converse", recorded.operation());
    assertEquals(ARN_MODEL, recorded.modelId());
    assertEquals(
        json("[{\"role\":\"user\",\"content\":[{\"text\":\"" + QUESTION + "\"}]}]"),
        recorded.body().get("messages"));
    assertEquals(json("[{\"text\":\"" + SYSTEM + "\"}]"), recorded.body().get("system"));
    assertTrue(
        recorded.headers().get("authorization").get(0).contains("Credential=AKIDTEST/"),
        "the SDK signed the request with the static test key");
  }

  @Test
  void converseStreamDeliversTextDeltasToolInputFragmentsStopAndUsage() throws Exception {
    JsonNode input = json("{\"city\":\"Paris\",\"unit\":\"celsius\"}");
    fake.enqueue(Reply.text("It is sunny in Paris").andToolUse("t-2", "get_weather", input));
    int before = fake.requestCount();
    List<ConverseStreamOutput> events = new CopyOnWriteArrayList<>();

    client
        .converseStream(r -> r.modelId(ARN_MODEL).messages(question()), collect(events))
        .get(5, SECONDS);

    List<ContentBlockDeltaEvent> deltas = of(events, ContentBlockDeltaEvent.class);
    List<String> texts =
        deltas.stream()
            .filter(d -> d.contentBlockIndex() == 0)
            .map(d -> d.delta().text())
            .collect(Collectors.toList());
    assertTrue(texts.size() >= 2, "several text deltas: " + texts);
    assertEquals("It is sunny in Paris", String.join("", texts));

    ContentBlockStartEvent start = of(events, ContentBlockStartEvent.class).get(0);
    assertEquals(1, start.contentBlockIndex());
    assertEquals("t-2", start.start().toolUse().toolUseId());
    assertEquals("get_weather", start.start().toolUse().name());
    List<String> fragments =
        deltas.stream()
            .filter(d -> d.contentBlockIndex() == 1)
            .map(d -> d.delta().toolUse().input())
            .collect(Collectors.toList());
    assertTrue(fragments.size() >= 2, "several input fragments: " + fragments);
    assertEquals(input, json(String.join("", fragments)));

    assertEquals(StopReason.TOOL_USE, of(events, MessageStopEvent.class).get(0).stopReason());
    TokenUsage usage = of(events, ConverseStreamMetadataEvent.class).get(0).usage();
    assertEquals(6, usage.inputTokens());
    assertEquals(6, usage.outputTokens()); // 5 words + 1 tool use

    Recorded recorded = fake.requests().get(before);
    assertEquals("converse-stream", recorded.operation());
    assertEquals(ARN_MODEL, recorded.modelId());
  }

  @Test
  void plainErrorsBecomeTheExceptionTheirCodeNames() {
    fake.enqueue(
        Reply.throttled(), Reply.error(400, "ValidationException", "messages must not be empty"));

    ThrottlingException throttled =
        assertInstanceOf(
            ThrottlingException.class,
            failure(client.converse(r -> r.modelId(ARN_MODEL).messages(question()))));
    assertEquals(429, throttled.statusCode());

    ValidationException invalid =
        assertInstanceOf(
            ValidationException.class,
            failure(client.converse(r -> r.modelId(ARN_MODEL).messages(question()))));
    assertEquals(400, invalid.statusCode());
    assertEquals("messages must not be empty", invalid.awsErrorDetails().errorMessage());
  }

  @Test
  void streamExceptionFailsTheStreamAfterTheEventsBeforeIt() {
    fake.enqueue(
        Reply.text("one two three").streamExceptionAfter(2, "throttlingException", "slow down"));
    List<ConverseStreamOutput> events = new CopyOnWriteArrayList<>();

    ThrottlingException throttled =
        assertInstanceOf(
            ThrottlingException.class,
            failure(
                client.converseStream(
                    r -> r.modelId(ARN_MODEL).messages(question()), collect(events))));

    assertEquals("slow down", throttled.awsErrorDetails().errorMessage());
    assertEquals(
        List.of(
            ConverseStreamOutput.EventType.MESSAGE_START,
            ConverseStreamOutput.EventType.CONTENT_BLOCK_DELTA),
        events.stream().map(ConverseStreamOutput::sdkEventType).collect(Collectors.toList()));
  }

  @Test
  void connectionCutMidStreamFailsTheStreamInsteadOfHanging() {
    fake.enqueue(Reply.text("one two three four").cutAfter(2));
    List<ConverseStreamOutput> events = new CopyOnWriteArrayList<>();

    Throwable failure =
        failure(
            client.converseStream(r -> r.modelId(ARN_MODEL).messages(question()), collect(events)));

    assertTrue(
        failure instanceof SdkClientException || failure instanceof IOException,
        "an I/O failure, not " + failure);
    assertEquals(2, events.size());
  }

  @Test
  void stalledStreamAnswersNothingUntilTheFakeCloses() throws Exception {
    FakeBedrock stalling = FakeBedrock.start();
    try (BedrockRuntimeAsyncClient stalled = clientFor(stalling)) {
      stalling.enqueue(Reply.text("one two three").stallAfter(1));
      List<ConverseStreamOutput> events = new CopyOnWriteArrayList<>();
      CompletableFuture<Void> stream =
          stalled.converseStream(r -> r.modelId(ARN_MODEL).messages(question()), collect(events));

      long deadline = System.nanoTime() + SECONDS.toNanos(5);
      while (events.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      Thread.sleep(200);
      assertEquals(1, events.size());
      assertFalse(stream.isDone(), "the stream waits while the fake stalls");

      stalling.close();
      assertInstanceOf(SdkClientException.class, failure(stream));
    } finally {
      stalling.close();
    }
  }

  @Test
  void secondRequestWithTheSameCachedSystemPromptReadsWhatTheFirstWrote() throws Exception {
    SystemContentBlock prompt =
        SystemContentBlock.fromText("You answer questions about the cache test, briefly and well.");
    SystemContentBlock cachePoint =
        SystemContentBlock.fromCachePoint(
            CachePointBlock.builder().type(CachePointType.DEFAULT).build());

    TokenUsage first =
        client
            .converse(
                r ->
                    r.modelId(ARN_MODEL)
                        .system(prompt, cachePoint)
                        .messages(user(ContentBlock.fromText("first question"))))
            .get(5, SECONDS)
            .usage();
    TokenUsage second =
        client
            .converse(
                r ->
                    r.modelId(ARN_MODEL)
                        .system(prompt, cachePoint)
                        .messages(user(ContentBlock.fromText("the second question"))))
            .get(5, SECONDS)
            .usage();

    assertEquals(10, first.cacheWriteInputTokens());
    assertEquals(0, first.cacheReadInputTokens());
    assertEquals(2, first.inputTokens());
    assertEquals(first.cacheWriteInputTokens(), second.cacheReadInputTokens());
    assertEquals(0, second.cacheWriteInputTokens());
    assertEquals(3, second.inputTokens());
  }

  private static BedrockRuntimeAsyncClient clientFor(FakeBedrock fake) {
    return BedrockRuntimeAsyncClient.builder()
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")))
        .endpointOverride(fake.endpoint())
        .httpClientBuilder(
            NettyNioAsyncHttpClient.builder()
                .protocol(Protocol.HTTP1_1)
                .protocolNegotiation(ProtocolNegotiation.ASSUME_PROTOCOL))
        .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .build();
  }

  private static Message question() {
    return user(ContentBlock.fromText(QUESTION));
  }

  private static Message user(ContentBlock... content) {
    return Message.builder().role(ConversationRole.USER).content(content).build();
  }

  private static ConverseStreamResponseHandler collect(List<ConverseStreamOutput> events) {
    return ConverseStreamResponseHandler.builder().subscriber(event -> events.add(event)).build();
  }

  private static <T> List<T> of(List<ConverseStreamOutput> events, Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
  }

  /** The cause a future failed with, within 5 s: a hang fails the test. */
  private static Throwable failure(CompletableFuture<?> future) {
    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> future.get(5, SECONDS));
    Throwable cause = failed.getCause();
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static JsonNode json(String text) throws IOException {
    return Json.MAPPER.readTree(text);
  }
}

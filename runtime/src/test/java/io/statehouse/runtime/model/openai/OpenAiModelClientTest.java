package io.statehouse.runtime.model.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.ModelCallException;
import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.ModelRequest;
import io.statehouse.runtime.model.ToolDescriptor;
import io.statehouse.runtime.model.ToolResultBlock;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.openai.FakeOpenAi.Reply;
import io.statehouse.runtime.tool.egress.EgressGuard;
import io.statehouse.runtime.tool.egress.NodePorts;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The openai provider through the JDK HTTP client against a local chat-completions server: what it
 * sends, how it reads JSON and streamed replies, retries, failures, egress and the API key.
 */
class OpenAiModelClientTest {
  private static final String KEY_VAR = "TEST_OPENAI_KEY";
  private static final String KEY = "sk-test-Zq81secretvalue";

  /** The tenant whose egress rules allow 127.0.0.1; every other tenant is refused loopback. */
  private static final String TRUSTED = "trusted";

  private static FakeOpenAi fake;
  private static EgressGuard egress;
  private static OpenAiModelClient client;

  @BeforeAll
  static void start() throws Exception {
    fake = FakeOpenAi.start();
    Config config =
        ConfigFactory.parseString(
                "statehouse.egress.tenants." + TRUSTED + ".allow-cidrs = [\"127.0.0.1/32\"]")
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    // metadata.test stands for a name whose DNS answer is the metadata address
    InetAddress metadata =
        InetAddress.getByAddress(new byte[] {(byte) 169, (byte) 254, (byte) 169, (byte) 254});
    egress =
        EgressGuard.fromConfig(
            config,
            NodePorts.none(),
            host ->
                host.equals("metadata.test")
                    ? new InetAddress[] {metadata}
                    : InetAddress.getAllByName(host));
    client = client(Duration.ofSeconds(5), 4, 8 * 1024 * 1024);
  }

  @AfterAll
  static void stop() {
    client.close();
    fake.close();
  }

  private static OpenAiModelClient client(Duration readTimeout, int attempts, long maxBytes) {
    return client(readTimeout, attempts, maxBytes, (int) Math.min(maxBytes, 1024 * 1024), KEY);
  }

  private static OpenAiModelClient client(
      Duration readTimeout, int attempts, long maxBytes, int maxEventBytes, String key) {
    OpenAiSettings settings =
        new OpenAiSettings(
            Duration.ofSeconds(2),
            readTimeout,
            attempts,
            Duration.ofMillis(5),
            Duration.ofMillis(40),
            maxBytes,
            maxEventBytes,
            Map.of(KEY_VAR, List.of("http://127.0.0.1:" + fake.port() + "/v1")),
            Duration.ofSeconds(20));
    return new OpenAiModelClient(settings, egress, Map.of(KEY_VAR, key)::get);
  }

  private static String options(String extra) {
    String base = "\"baseUrl\":\"" + fake.baseUrl() + "\"";
    return "{" + base + (extra.isEmpty() ? "" : "," + extra) + "}";
  }

  private static ModelRequest request(String options, String tenant) throws Exception {
    return new ModelRequest(
        new ModelSpec("openai", "gpt-test", null, false, List.of(), Json.MAPPER.readTree(options)),
        "You answer about orders.",
        List.of(ChatMessage.user("where is order 7?")),
        List.of(
            new ToolDescriptor(
                "lookup",
                "Finds an order",
                Json.MAPPER.readTree(
                    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}}}"))),
        tenant);
  }

  private static ModelRequest request(String options) throws Exception {
    return request(options, TRUSTED);
  }

  private static ModelReply call(ModelRequest r, List<ModelDelta> deltas) throws Exception {
    return client.converse(r, deltas::add).toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static List<String> texts(List<ModelDelta> deltas) {
    return deltas.stream()
        .filter(d -> d instanceof ModelDelta.Text)
        .map(d -> ((ModelDelta.Text) d).text())
        .toList();
  }

  private static String text(List<ModelDelta> deltas) {
    return String.join("", texts(deltas));
  }

  /** Waits until {@code check} holds, up to five seconds. */
  private static void await(BooleanSupplier check) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!check.getAsBoolean()) {
      assertTrue(System.nanoTime() < until, "timed out waiting");
      Thread.sleep(10);
    }
  }

  private static ModelCallException failure(OpenAiModelClient c, ModelRequest r) {
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> c.converse(r, d -> {}).toCompletableFuture().get(20, TimeUnit.SECONDS));
    ModelCallException m = assertInstanceOf(ModelCallException.class, e.getCause());
    assertFalse(m.getMessage().contains(KEY), "the key leaked: " + m.getMessage());
    return m;
  }

  private static ModelCallException failure(ModelRequest r) {
    return failure(client, r);
  }

  @Test
  void sendsSystemConversationToolsAndSettingsWithTheKeyAsBearerToken() throws Exception {
    ModelRequest r =
        new ModelRequest(
            new ModelSpec(
                "openai",
                "gpt-test",
                null,
                false,
                List.of(),
                Json.MAPPER.readTree(
                    options(
                        "\"apiKeyEnv\":\""
                            + KEY_VAR
                            + "\",\"maxTokens\":256,\"temperature\":0.5,\"topP\":0.9,"
                            + "\"stop\":[\"END\"]"))),
            "You answer about orders.",
            List.of(
                ChatMessage.user("where are orders 7 and 8?"),
                ChatMessage.assistant(
                    "Looking.",
                    List.of(
                        new ToolUse("call_a", "lookup", Json.object().put("id", 7)),
                        new ToolUse("call_b", "lookup", Json.object().put("id", 8)))),
                ChatMessage.toolResults(
                    List.of(
                        new ToolResultBlock("call_a", "{\"status\":\"shipped\"}", false),
                        new ToolResultBlock("call_b", "no such order", true)))),
            List.of(
                new ToolDescriptor(
                    "lookup", "Finds an order", Json.MAPPER.readTree("{\"type\":\"object\"}"))),
            TRUSTED);
    int before = fake.requestCount();
    call(r, new CopyOnWriteArrayList<>());
    FakeOpenAi.Recorded sent = fake.requests().get(before);

    assertEquals("/v1/chat/completions", sent.path());
    assertEquals("Bearer " + KEY, sent.header("Authorization").orElseThrow());
    JsonNode b = sent.body();
    assertEquals("gpt-test", b.at("/model").textValue());
    assertEquals("system", b.at("/messages/0/role").textValue());
    assertEquals("You answer about orders.", b.at("/messages/0/content").textValue());
    assertEquals("user", b.at("/messages/1/role").textValue());
    assertEquals("assistant", b.at("/messages/2/role").textValue());
    assertEquals("Looking.", b.at("/messages/2/content").textValue());
    assertEquals("call_a", b.at("/messages/2/tool_calls/0/id").textValue());
    assertEquals("function", b.at("/messages/2/tool_calls/0/type").textValue());
    assertEquals("lookup", b.at("/messages/2/tool_calls/0/function/name").textValue());
    // arguments travel as a JSON text, not an object
    assertEquals("{\"id\":8}", b.at("/messages/2/tool_calls/1/function/arguments").textValue());
    assertEquals("tool", b.at("/messages/3/role").textValue());
    assertEquals("call_a", b.at("/messages/3/tool_call_id").textValue());
    assertEquals("{\"status\":\"shipped\"}", b.at("/messages/3/content").textValue());
    assertEquals("ERROR: no such order", b.at("/messages/4/content").textValue());
    assertEquals(5, b.at("/messages").size());
    assertEquals("function", b.at("/tools/0/type").textValue());
    assertEquals("lookup", b.at("/tools/0/function/name").textValue());
    assertEquals("Finds an order", b.at("/tools/0/function/description").textValue());
    assertEquals("object", b.at("/tools/0/function/parameters/type").textValue());
    assertEquals(256, b.at("/max_tokens").intValue());
    assertEquals(0.5, b.at("/temperature").doubleValue());
    assertEquals(0.9, b.at("/top_p").doubleValue());
    assertEquals("END", b.at("/stop/0").textValue());
    assertTrue(b.at("/stream").booleanValue());
    assertTrue(b.at("/stream_options/include_usage").booleanValue());
  }

  @Test
  void sendsNoAuthorizationWhenTheAgentNamesNoKey() throws Exception {
    int before = fake.requestCount();
    call(request(options("")), new CopyOnWriteArrayList<>());
    assertTrue(fake.requests().get(before).header("Authorization").isEmpty());
  }

  @Test
  void aStreamedAnswerArrivesAsDeltasWithItsUsage() throws Exception {
    fake.enqueue(Reply.text("Order seven left the warehouse today.").usage(30, 7, 20));
    List<ModelDelta> deltas = new CopyOnWriteArrayList<>();
    ModelReply reply = call(request(options("")), deltas);

    assertTrue(deltas.size() >= 6, "one delta per word: " + deltas);
    assertEquals("Order seven left the warehouse today.", text(deltas));
    assertEquals("Order seven left the warehouse today.", reply.text());
    assertEquals("end_turn", reply.stopReason());
    assertEquals(10, reply.usage().inputTokens(), "prompt tokens less the cached ones");
    assertEquals(20, reply.usage().cacheRead());
    assertEquals(7, reply.usage().outputTokens());
  }

  @Test
  void aStreamSplitAnywhereEvenInsideCharactersReadsWhole() throws Exception {
    String text = "Naïve café — ✓ 注文 7";
    fake.enqueue(Reply.text(text).splitEvery(3));
    List<ModelDelta> deltas = new CopyOnWriteArrayList<>();
    ModelReply reply = call(request(options("")), deltas);
    assertEquals(text, reply.text());
    assertEquals(text, text(deltas));
  }

  @Test
  void twoParallelToolCallsInterleavedAndSplitMidTokenAreAssembledByIndex() throws Exception {
    fake.enqueue(
        Reply.text("")
            .toolCall("call_1", "lookup", "{\"id\": 7, \"note\": \"first order\"}")
            .toolCall("call_2", "lookup", "{\"id\": 8, \"tags\": [\"a\", \"b\"]}")
            .argumentPieces(6)
            .interleaved()
            .splitEvery(7));
    List<ModelDelta> deltas = new CopyOnWriteArrayList<>();
    ModelReply reply = call(request(options("")), deltas);

    assertTrue(texts(deltas).isEmpty(), "tool calls are not text: " + deltas);
    assertEquals("tool_use", reply.stopReason());
    assertEquals(2, reply.toolUses().size());
    ToolUse first = reply.toolUses().get(0);
    ToolUse second = reply.toolUses().get(1);
    assertEquals("call_1", first.id());
    assertEquals("lookup", first.name());
    assertEquals(7, first.input().get("id").intValue());
    assertEquals("first order", first.input().get("note").textValue());
    assertEquals("call_2", second.id());
    assertEquals("b", second.input().at("/tags/1").textValue());
  }

  @Test
  void toolArgumentPiecesOfInterleavedCallsArriveAsDeltasUnderTheirCallsIdAndName()
      throws Exception {
    String first = "{\"id\": 7, \"note\": \"gift — wrap it ✓\"}";
    String second = "{\"id\": 8}";
    fake.enqueue(
        Reply.text("Checking both.")
            .toolCall("call_1", "lookup", first)
            .toolCall("call_2", "ship", second)
            .argumentPieces(4)
            .interleaved()
            .splitEvery(5));
    List<ModelDelta> deltas = new CopyOnWriteArrayList<>();
    ModelReply reply = call(request(options("")), deltas);

    assertEquals("Checking both.", text(deltas));
    int firstInput = 0;
    while (deltas.get(firstInput) instanceof ModelDelta.Text) {
      firstInput++;
    }
    List<ModelDelta.ToolInput> inputs =
        deltas.subList(firstInput, deltas.size()).stream()
            .map(d -> assertInstanceOf(ModelDelta.ToolInput.class, d))
            .toList();
    // interleaved on the wire, so interleaved as deltas; each call's pieces join in order
    assertEquals("call_1", inputs.get(0).toolUseId());
    assertEquals("call_2", inputs.get(1).toolUseId());
    for (ToolUse use : reply.toolUses()) {
      List<ModelDelta.ToolInput> mine =
          inputs.stream().filter(d -> d.toolUseId().equals(use.id())).toList();
      assertTrue(mine.size() > 1, "several pieces: " + mine);
      assertTrue(mine.stream().allMatch(d -> d.tool().equals(use.name())), "" + mine);
      assertEquals(
          use.input(),
          Json.MAPPER.readTree(String.join("", mine.stream().map(d -> d.json()).toList())));
    }
    assertEquals(
        first,
        String.join(
            "",
            inputs.stream()
                .filter(d -> d.toolUseId().equals("call_1"))
                .map(d -> d.json())
                .toList()));
  }

  @Test
  void cancellingAStreamAbortsTheExchangeAndStopsItsDeltas() throws Exception {
    int before = fake.requestCount();
    // role chunk and two words, then " more" every 40 ms until the client goes away
    fake.enqueue(Reply.text("one two").trickleAfter(3, 40));
    List<ModelDelta> deltas = new CopyOnWriteArrayList<>();
    CompletableFuture<ModelReply> call =
        client.converse(request(options("")), deltas::add).toCompletableFuture();
    await(() -> deltas.size() >= 4);

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
  void cancellingDuringABackoffDropsItsTimerAndSendsNoRetry() throws Exception {
    int before = fake.requestCount();
    // the server asks for 1.5 s before the retry
    fake.enqueue(Reply.status(429, "slow down").header("retry-after-ms", "1500"));
    CompletableFuture<ModelReply> call =
        client.converse(request(options("")), d -> {}).toCompletableFuture();
    await(() -> fake.requestCount() - before == 1);
    ScheduledThreadPoolExecutor timer = (ScheduledThreadPoolExecutor) client.scheduler();
    // the error body's watchdog goes when the body ends; then only the pause is left
    await(() -> timer.getQueue().size() == 1);
    Thread.sleep(100);
    assertEquals(1, timer.getQueue().size(), "the pause is on the timer");

    assertTrue(call.cancel(true));
    assertTrue(timer.getQueue().isEmpty(), "the pause's timer is dropped");
    Thread.sleep(2_000);
    assertEquals(1, fake.requestCount() - before, "no retry after the cancel");
    assertTrue(call.isCancelled());
  }

  @Test
  void toolCallChunksWithoutIndexFollowTheirId() throws Exception {
    // some servers leave out index: a new id opens a call, chunks without id continue it
    fake.enqueue(
        Reply.events(
            "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"c1\","
                + "\"function\":{\"name\":\"lookup\",\"arguments\":\"{\\\"id\\\"\"}}]}}]}",
            "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{"
                + "\"function\":{\"arguments\":\": 3}\"}}]}}]}",
            "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"c2\","
                + "\"function\":{\"name\":\"lookup\",\"arguments\":\"{}\"}}]},"
                + "\"finish_reason\":\"tool_calls\"}]}",
            "[DONE]"));
    ModelReply reply = call(request(options("")), new CopyOnWriteArrayList<>());
    assertEquals(2, reply.toolUses().size());
    assertEquals(3, reply.toolUses().get(0).input().get("id").intValue());
    assertEquals("c2", reply.toolUses().get(1).id());
  }

  @Test
  void toolArgumentsThatAreNotJsonFailAsMalformedOutput() throws Exception {
    fake.enqueue(Reply.text("").toolCall("call_1", "lookup", "{\"id\": 7"));
    ModelCallException e = failure(request(options("")));
    assertEquals("model_malformed_output", e.code());
    assertTrue(e.getMessage().contains("lookup"), e.getMessage());
  }

  @Test
  void aJsonReplyWhenStreamingIsOff() throws Exception {
    int before = fake.requestCount();
    fake.enqueue(
        Reply.text("Checking.").toolCall("call_9", "lookup", "{\"id\":7}").usage(40, 9, 0));
    List<ModelDelta> deltas = new CopyOnWriteArrayList<>();
    ModelReply reply = call(request(options("\"streaming\":false")), deltas);

    assertFalse(fake.requests().get(before).body().has("stream"));
    assertFalse(fake.requests().get(before).body().has("stream_options"));
    assertEquals("Checking.", reply.text());
    assertEquals("tool_use", reply.stopReason());
    assertEquals("call_9", reply.toolUses().get(0).id());
    assertEquals(7, reply.toolUses().get(0).input().get("id").intValue());
    assertEquals(40, reply.usage().inputTokens());
    assertTrue(deltas.isEmpty());
  }

  @Test
  void finishReasonsMapOntoTheTurnsStopReasons() throws Exception {
    fake.enqueue(
        Reply.text("cut").finish("length"),
        Reply.text("hidden").finish("content_filter"),
        Reply.text("odd").finish("eos_token"));
    assertEquals(
        "max_tokens", call(request(options("")), new CopyOnWriteArrayList<>()).stopReason());
    assertEquals(
        "content_filtered", call(request(options("")), new CopyOnWriteArrayList<>()).stopReason());
    assertEquals(
        "eos_token", call(request(options("")), new CopyOnWriteArrayList<>()).stopReason());
  }

  @Test
  void throttlingIsRetriedUntilTheServerAnswers() throws Exception {
    int before = fake.requestCount();
    fake.enqueue(
        Reply.status(429, "Rate limit reached"),
        Reply.status(503, "overloaded"),
        Reply.text("finally"));
    ModelReply reply = call(request(options("")), new CopyOnWriteArrayList<>());
    assertEquals("finally", reply.text());
    assertEquals(3, fake.requestCount() - before);
  }

  @Test
  void retryAfterIsHonouredWhenItFitsTheBudget() throws Exception {
    fake.enqueue(
        Reply.status(429, "Rate limit reached").header("retry-after-ms", "400"),
        Reply.text("after the wait"));
    long started = System.nanoTime();
    ModelReply reply = call(request(options("")), new CopyOnWriteArrayList<>());
    assertEquals("after the wait", reply.text());
    // backoff here is at most 40 ms: only the server's 400 ms explains a longer wait
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) >= 400);
  }

  @Test
  void aRetryAfterLongerThanTheBudgetEndsTheCallAtOnce() throws Exception {
    int before = fake.requestCount();
    fake.enqueue(Reply.status(429, "Rate limit reached").header("Retry-After", "3600"));
    long started = System.nanoTime();
    ModelCallException e = failure(request(options("")));
    assertEquals("model_throttled", e.code());
    assertFalse(e.retryable());
    assertEquals(1, fake.requestCount() - before);
    assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) < 10);
  }

  @Test
  void throttlingOnEveryAttemptFailsAsThrottled() throws Exception {
    int before = fake.requestCount();
    for (int i = 0; i < 4; i++) {
      fake.enqueue(Reply.status(429, "Rate limit reached"));
    }
    ModelCallException e = failure(request(options("")));
    assertEquals("model_throttled", e.code());
    assertFalse(e.retryable(), "the provider already retried");
    assertTrue(e.getMessage().contains("after 4 attempts"), e.getMessage());
    assertEquals(4, fake.requestCount() - before);
  }

  @Test
  void aBadRequestFailsAtOnceWithTheServersMessage() throws Exception {
    int before = fake.requestCount();
    fake.enqueue(Reply.status(400, "Invalid value for 'tool_choice': bad"));
    ModelCallException e = failure(request(options("")));
    assertEquals("model_validation", e.code());
    assertTrue(e.getMessage().contains("Invalid value for 'tool_choice': bad"), e.getMessage());
    assertEquals(1, fake.requestCount() - before);
  }

  @Test
  void theServersMessageIsBoundedToOneShortLine() throws Exception {
    fake.enqueue(Reply.status(400, "x".repeat(5000) + "\nsecond line"));
    ModelCallException e = failure(request(options("")));
    assertTrue(e.getMessage().length() < 700, "length " + e.getMessage().length());
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void anUnauthorizedKeyFailsAsCredentials() throws Exception {
    fake.enqueue(Reply.status(401, "Incorrect API key provided"));
    ModelCallException e = failure(request(options("\"apiKeyEnv\":\"" + KEY_VAR + "\"")));
    assertEquals("model_credentials", e.code());
    assertTrue(e.getMessage().contains(KEY_VAR), e.getMessage());
  }

  @Test
  void aServerThatEchoesTheKeyNeverGetsItIntoTheError() throws Exception {
    fake.enqueue(Reply.status(401, "Incorrect API key provided: " + KEY + " is revoked"));
    ModelCallException e = failure(request(options("\"apiKeyEnv\":\"" + KEY_VAR + "\"")));
    assertTrue(e.getMessage().contains("[redacted] is revoked"), e.getMessage());
  }

  @Test
  void anEchoedKeyCutShortByTheMessageBoundIsStillNotThere() throws Exception {
    // the key straddles the 500-character bound: replaced before the message is cut
    fake.enqueue(Reply.status(400, "x".repeat(490) + KEY));
    ModelCallException e = failure(request(options("\"apiKeyEnv\":\"" + KEY_VAR + "\"")));
    assertFalse(e.getMessage().contains(KEY.substring(0, 8)), e.getMessage());
  }

  @Test
  void aKeyEchoedInsideAStreamErrorIsNotThere() throws Exception {
    fake.enqueue(Reply.events("{\"error\":{\"message\":\"bad key " + KEY + "\",\"code\":400}}"));
    ModelCallException e = failure(request(options("\"apiKeyEnv\":\"" + KEY_VAR + "\"")));
    assertEquals("model_validation", e.code());
    assertTrue(e.getMessage().contains("bad key [redacted]"), e.getMessage());
  }

  @Test
  void aKeyThatCannotBeAHeaderValueFailsWithoutQuotingIt() throws Exception {
    String broken = "sk-line-one\nX-Injected: " + KEY;
    try (OpenAiModelClient c = client(Duration.ofSeconds(5), 1, 1 << 20, 1 << 16, broken)) {
      int before = fake.requestCount();
      ModelCallException e = failure(c, request(options("\"apiKeyEnv\":\"" + KEY_VAR + "\"")));
      assertEquals("model_credentials", e.code());
      assertFalse(e.getMessage().contains("sk-line-one"), e.getMessage());
      assertEquals(0, fake.requestCount() - before);
    }
  }

  @Test
  void anEventLargerThanItsLimitFails() throws Exception {
    try (OpenAiModelClient c = client(Duration.ofSeconds(5), 1, 1 << 20, 2048, KEY)) {
      fake.enqueue(
          Reply.events(
              "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + "y".repeat(3000) + "\"}}]}",
              "[DONE]"));
      ModelCallException e = failure(c, request(options("")));
      assertEquals("model_malformed_output", e.code());
      assertTrue(e.getMessage().contains("max-event-bytes"), e.getMessage());
    }
  }

  @Test
  void aKeyVariableThatIsNotSetFailsAsCredentialsWithoutSending() throws Exception {
    OpenAiSettings settings =
        new OpenAiSettings(
            Duration.ofSeconds(2),
            Duration.ofSeconds(2),
            4,
            Duration.ofMillis(5),
            Duration.ofMillis(40),
            1 << 20,
            1 << 16,
            Map.of("UNSET_KEY", List.of(fake.baseUrl())),
            Duration.ofSeconds(20));
    try (OpenAiModelClient noEnv = new OpenAiModelClient(settings, egress, name -> null)) {
      int before = fake.requestCount();
      ModelCallException e = failure(noEnv, request(options("\"apiKeyEnv\":\"UNSET_KEY\"")));
      assertEquals("model_credentials", e.code());
      assertTrue(e.getMessage().contains("UNSET_KEY"), e.getMessage());
      assertEquals(0, fake.requestCount() - before);
    }
  }

  @Test
  void aStreamCutAfterTextWasShownFailsAndIsNotRepeated() throws Exception {
    int before = fake.requestCount();
    // role chunk and two words, then the connection drops
    fake.enqueue(Reply.text("one two three four").cutAfter(3));
    List<ModelDelta> deltas = new CopyOnWriteArrayList<>();
    ExecutionException thrown =
        assertThrows(
            ExecutionException.class,
            () ->
                client
                    .converse(request(options("")), deltas::add)
                    .toCompletableFuture()
                    .get(20, TimeUnit.SECONDS));
    ModelCallException e = assertInstanceOf(ModelCallException.class, thrown.getCause());
    assertEquals("model_connection", e.code());
    assertFalse(e.retryable());
    assertEquals("one two", text(deltas));
    assertEquals(1, fake.requestCount() - before, "the user saw text: no second attempt");
  }

  @Test
  void aStreamCutBeforeAnyTextIsTriedAgain() throws Exception {
    int before = fake.requestCount();
    fake.enqueue(Reply.text("lost").cutAfter(1), Reply.text("whole"));
    ModelReply reply = call(request(options("")), new CopyOnWriteArrayList<>());
    assertEquals("whole", reply.text());
    assertEquals(2, fake.requestCount() - before);
  }

  @Test
  void aStreamThatEndsCleanlyWithoutDoneOrFinishReasonIsAFailedAttempt() throws Exception {
    int before = fake.requestCount();
    // role chunk and one word, then a normal end of the body: nothing says the reply is whole
    fake.enqueue(Reply.text("half an answer").unfinished(2));
    ModelCallException e = failure(request(options("")));
    assertEquals("model_connection", e.code());
    assertEquals(1, fake.requestCount() - before);
  }

  @Test
  void anErrorInsideTheStreamFailsTheCall() throws Exception {
    fake.enqueue(
        Reply.events(
            "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}",
            "{\"error\":{\"message\":\"the model crashed\",\"type\":\"server_error\"}}"));
    ModelCallException e = failure(request(options("")));
    assertEquals("model_error", e.code());
    assertTrue(e.getMessage().contains("the model crashed"), e.getMessage());
  }

  @Test
  void aSilentStreamFailsOnTheReadTimeout() throws Exception {
    try (OpenAiModelClient impatient = client(Duration.ofMillis(300), 1, 1 << 20)) {
      fake.enqueue(Reply.text("never finished").stallAfter(1));
      ModelCallException e = failure(impatient, request(options("")));
      assertEquals("model_timeout", e.code());
    }
  }

  @Test
  void aReplyLargerThanTheLimitFails() throws Exception {
    try (OpenAiModelClient small = client(Duration.ofSeconds(5), 1, 4096)) {
      fake.enqueue(
          Reply.text("word ".repeat(2000)),
          Reply.raw(
              200,
              "application/json",
              ("{\"pad\":\"" + "x".repeat(8000) + "\"}").getBytes(StandardCharsets.UTF_8)));
      assertEquals("model_malformed_output", failure(small, request(options(""))).code());
      assertEquals(
          "model_malformed_output", failure(small, request(options("\"streaming\":false"))).code());
    }
  }

  @Test
  void aRedirectIsNotFollowed() throws Exception {
    int before = fake.requestCount();
    fake.enqueue(
        Reply.raw(302, "text/plain", new byte[0]).header("Location", "http://169.254.169.254/"));
    ModelCallException e = failure(request(options("")));
    assertEquals("model_rejected", e.code());
    assertEquals(1, fake.requestCount() - before);
  }

  @Test
  void loopbackIsRefusedForATenantWhoseRulesDoNotAllowIt() throws Exception {
    int before = fake.requestCount();
    ModelCallException e = failure(request(options(""), "other-tenant"));
    assertEquals("egress_denied", e.code());
    assertFalse(e.retryable());
    assertTrue(e.getMessage().contains("loopback"), e.getMessage());
    assertEquals(0, fake.requestCount() - before, "nothing was sent");
  }

  @Test
  void aNameThatResolvesToCloudMetadataIsRefusedEvenForTheTrustedTenant() throws Exception {
    ModelCallException e = failure(request("{\"baseUrl\":\"http://metadata.test/v1\"}", TRUSTED));
    assertEquals("egress_denied", e.code());
    assertTrue(e.getMessage().contains("metadata"), e.getMessage());
  }

  @Test
  void aCallWithoutATenantIsRefused() throws Exception {
    int before = fake.requestCount();
    ModelCallException e = failure(request(options(""), null));
    assertEquals("egress_denied", e.code());
    assertEquals(0, fake.requestCount() - before);
  }

  @Test
  void anAgentWhoseOptionsNoLongerParseFailsAsInvalid() throws Exception {
    ModelCallException e = failure(request(options("\"apiKeyEnv\":\"AWS_SECRET_ACCESS_KEY\"")));
    assertEquals("model_invalid", e.code());
  }
}

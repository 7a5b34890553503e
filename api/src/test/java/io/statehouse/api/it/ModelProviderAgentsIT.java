package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.bedrock.FakeBedrock;
import io.statehouse.runtime.model.bedrock.FakeBedrock.Recorded;
import io.statehouse.runtime.model.bedrock.FakeBedrock.Reply;
import io.statehouse.runtime.model.openai.FakeOpenAi;
import io.statehouse.runtime.testing.LocalHttpServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Agents on real providers, end to end: a node whose Bedrock provider is the real AWS SDK pointed
 * at a local endpoint speaking the Converse wire format ({@link FakeBedrock}), and whose OpenAI
 * provider talks to a local chat-completions endpoint ({@link FakeOpenAi}); a real Cassandra, HTTP
 * tools. Assertions read what the providers were actually sent and what the session recorded.
 */
@ExtendWith(CassandraExtension.class)
class ModelProviderAgentsIT {
  static final String MODEL = "test.clerk-model-v1:0";

  private static FakeBedrock bedrock;
  private static FakeOpenAi openai;
  private static LocalHttpServer tools;
  private static StatehouseNode node;
  private static Api api;

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    bedrock = FakeBedrock.start();
    openai = FakeOpenAi.start();
    tools =
        new LocalHttpServer()
            .on(
                "/stock",
                (ex, body) ->
                    LocalHttpServer.respond(
                        ex,
                        200,
                        "{\"item\":" + Json.MAPPER.readTree(body).get("q") + ",\"left\":12}"));
    // the default AWS credentials chain reads these first; nothing here is a real credential
    System.setProperty("aws.accessKeyId", "AKIDLOCALTEST");
    System.setProperty("aws.secretAccessKey", "local-test-secret");
    node =
        StatehouseNode.start(
            NodeConfig.full(
                keyspaces,
                0,
                "statehouse.models.bedrock { region = us-east-1, endpoint = \""
                    + bedrock.endpoint()
                    + "\", backoff-min = 50ms, backoff-max = 200ms }\n"
                    + "statehouse.models.prices.bedrock { \""
                    + MODEL
                    + "\" { input = 1, output = 2 } }"));
    api = new Api("127.0.0.1", node.port());
    api.putTool(ACME_ALICE, "stock", Defs.tool(tools.url("/stock"), true, "5s"));
    api.putAgent(ACME_ALICE, "clerk", agent(",\"tools\":[\"stock\"]"));
    // an OpenAI-compatible server on the local network, as Ollama or vLLM would be: no key
    api.putAgent(
        ACME_ALICE,
        "local-clerk",
        "{\"instructions\":\"You are a stock clerk.\",\"model\":{\"provider\":\"openai\","
            + "\"id\":\"llama3.2\",\"baseUrl\":\""
            + openai.baseUrl()
            + "\",\"maxTokens\":200},\"tools\":[\"stock\"]}");
  }

  @AfterAll
  static void stop() {
    node.close();
    bedrock.close();
    openai.close();
    tools.close();
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  private int requestsBefore;

  @BeforeEach
  void mark() {
    requestsBefore = bedrock.requestCount();
  }

  /** The requests this test made. */
  private List<Recorded> requests() {
    List<Recorded> all = bedrock.requests();
    return new ArrayList<>(all.subList(requestsBefore, all.size()));
  }

  static String agent(String rest) {
    return "{\"instructions\":\"You are a stock clerk.\",\"model\":{\"provider\":\"bedrock\","
        + "\"id\":\""
        + MODEL
        + "\",\"maxTokens\":200,\"temperature\":0.2,\"promptCache\":\"auto\","
        + "\"guardrail\":{\"id\":\"gr1clerk\",\"version\":\"3\"}}"
        + rest
        + "}";
  }

  private static Api.Response turn(String session, String content) {
    return api.post(
        "/v1/sessions/" + session + "/messages", ACME_ALICE, "{\"content\":\"" + content + "\"}");
  }

  @Test
  void aToolUseRoundTripOverSeveralStepsRunsOnBedrockAndTheSdkSendsTheWholeConversation() {
    bedrock.enqueue(
        Reply.toolUse("tu-1", "stock", Json.object().put("q", "bolts")).usage(120, 15),
        Reply.toolUse("tu-2", "stock", Json.object().put("q", "nuts")).usage(160, 15),
        Reply.text("12 bolts and 12 nuts left.").usage(200, 9));
    String session = api.openSession(ACME_ALICE, "clerk");
    long stockBefore = stockCalls();

    Api.Response r = turn(session, "How many bolts and nuts?");

    assertEquals("completed", r.text("status"), r.raw());
    assertEquals("12 bolts and 12 nuts left.", r.text("output"));
    assertEquals("end_turn", r.text("stopReason"));
    JsonNode usage = r.body().path("usage");
    assertEquals(120 + 160 + 200, usage.path("inputTokens").asLong());
    assertEquals(15 + 15 + 9, usage.path("outputTokens").asLong());
    // the local endpoint also counts what its prompt cache stored (priced as input here)
    long cached = usage.path("cacheReadTokens").asLong() + usage.path("cacheWriteTokens").asLong();
    assertEquals(480 + 39 + cached, usage.path("totalTokens").asLong());
    // 1 USD per million input tokens (cached ones too), 2 per million output tokens
    assertEquals(0, micros(480 + cached + 2 * 39).compareTo(usage.path("costUsd").decimalValue()));
    List<Recorded> sent = requests();
    assertEquals(3, sent.size());
    for (Recorded req : sent) {
      assertEquals("converse-stream", req.operation(), "ConverseStream for every call");
      assertEquals(MODEL, req.modelId());
      JsonNode body = req.body();
      assertEquals("You are a stock clerk.", body.at("/system/0/text").asText());
      assertTrue(
          body.at("/system/1/cachePoint").isObject(), "a cache point after the system prompt");
      assertEquals("stock", body.at("/toolConfig/tools/0/toolSpec/name").asText());
      assertEquals(
          "object", body.at("/toolConfig/tools/0/toolSpec/inputSchema/json/type").asText());
      assertEquals(200, body.at("/inferenceConfig/maxTokens").asInt());
      assertEquals("gr1clerk", body.at("/guardrailConfig/guardrailIdentifier").asText());
      assertEquals("3", body.at("/guardrailConfig/guardrailVersion").asText());
    }
    JsonNode last = sent.get(2).body().path("messages");
    assertEquals(5, last.size(), "user, tool use, result, tool use, result");
    assertEquals("tu-1", last.at("/2/content/0/toolResult/toolUseId").asText());
    assertTrue(
        last.at("/2/content/0/toolResult/content/0/text").asText().contains("\"left\":12"),
        last.get(2).toString());
    assertEquals("tu-2", last.at("/4/content/0/toolResult/toolUseId").asText());
    assertEquals("nuts", last.at("/3/content/0/toolUse/input/q").asText());
    assertEquals(2, stockCalls() - stockBefore);
  }

  private static java.math.BigDecimal micros(long micros) {
    return java.math.BigDecimal.valueOf(micros).movePointLeft(6);
  }

  private static long stockCalls() {
    return tools.seen().stream().filter(s -> s.path().equals("/stock")).count();
  }

  @Test
  void anOpenAiCompatibleServerStreamingToolCallsSplitAcrossChunksRunsTheSameAgentTurn()
      throws Exception {
    openai.enqueue(
        FakeOpenAi.Reply.text("")
            .toolCall("call_a", "stock", "{\"q\":\"bolts\"}")
            .toolCall("call_b", "stock", "{\"q\":\"nuts\"}")
            .argumentPieces(3)
            .interleaved()
            .splitEvery(7),
        FakeOpenAi.Reply.text("12 bolts and 12 nuts left.").usage(300, 9, 0));
    String session = api.openSession(ACME_ALICE, "local-clerk");
    long stockBefore = stockCalls();

    Api.Response r = turn(session, "How many bolts and nuts?");

    assertEquals("completed", r.text("status"), r.raw());
    assertEquals("12 bolts and 12 nuts left.", r.text("output"));
    assertEquals("end_turn", r.text("stopReason"));
    assertEquals(2, stockCalls() - stockBefore, "both calls, each assembled from its pieces");
    List<FakeOpenAi.Recorded> sent = openai.requests();
    JsonNode second = sent.get(sent.size() - 1).body();
    assertEquals("llama3.2", second.path("model").asText());
    assertTrue(second.path("stream").asBoolean());
    assertEquals("system", second.at("/messages/0/role").asText());
    assertEquals("call_a", second.at("/messages/2/tool_calls/0/id").asText());
    assertEquals(
        "nuts",
        Json.MAPPER
            .readTree(second.at("/messages/2/tool_calls/1/function/arguments").asText())
            .path("q")
            .asText());
    assertEquals("tool", second.at("/messages/3/role").asText());
    assertEquals("call_a", second.at("/messages/3/tool_call_id").asText());
    assertEquals("call_b", second.at("/messages/4/tool_call_id").asText());
    assertEquals("stock", second.at("/tools/0/function/name").asText());
    assertTrue(
        sent.get(sent.size() - 1).header("Authorization").isEmpty(), "no key was configured");
  }

  @Test
  void anOpenAiAgentCannotPointTheNodeAtACloudMetadataAddress() {
    Api.Response r =
        api.put(
            "/v1/agents/snoop",
            ACME_ALICE,
            "{\"model\":{\"provider\":\"openai\",\"id\":\"m\","
                + "\"baseUrl\":\"http://169.254.169.254/latest\"}}",
            "application/json");

    assertEquals(400, r.status(), r.raw());
    assertTrue(r.raw().contains("baseUrl"), r.raw());
  }

  @Test
  void throttlingIsRetriedWithBackoffAndTheTurnSucceeds() {
    bedrock.enqueue(Reply.throttled(), Reply.throttled(), Reply.text("Fine."));
    String session = api.openSession(ACME_ALICE, "clerk");

    Api.Response r = turn(session, "Anything?");

    assertEquals("completed", r.text("status"), r.raw());
    assertEquals("Fine.", r.text("output"));
    assertEquals(3, requests().size());
  }

  @Test
  void aValidationErrorFailsTheTurnWithTheProvidersMessageAndIsNotRetried() {
    bedrock.enqueue(
        Reply.error(400, "ValidationException", "The model returned: input is too long"));
    String session = api.openSession(ACME_ALICE, "clerk");

    Api.Response r = turn(session, "Too long");

    assertEquals("failed", r.text("status"), r.raw());
    assertEquals("model_validation", r.body().at("/error/code").asText());
    assertTrue(r.body().at("/error/message").asText().contains("input is too long"), r.raw());
    assertEquals(1, requests().size());
    assertEquals("completed", turnAfterFailure(session), "the session takes the next message");
  }

  private static String turnAfterFailure(String session) {
    bedrock.enqueue(Reply.text("Back."));
    return turn(session, "again").text("status");
  }

  @Test
  void anAnswerCutAtMaxTokensIsKeptAndAGuardrailInterventionEndsTheTurnBothVisibleOnTheTurn() {
    bedrock.enqueue(
        Reply.text("The list is: bolts, nuts, wash").stopReason("max_tokens"),
        Reply.text("Sorry, that request is blocked.").stopReason("guardrail_intervened"));
    String session = api.openSession(ACME_ALICE, "clerk");

    Api.Response cut = turn(session, "List everything");
    Api.Response blocked = turn(session, "Something against policy");

    assertEquals("completed", cut.text("status"), cut.raw());
    assertEquals("max_tokens", cut.text("stopReason"));
    assertEquals("The list is: bolts, nuts, wash", cut.text("output"));
    assertEquals("failed", blocked.text("status"), blocked.raw());
    assertEquals("guardrail_intervened", blocked.text("stopReason"));
    assertEquals("guardrail_intervened", blocked.body().at("/error/code").asText());
    assertTrue(blocked.body().at("/error/message").asText().contains("that request is blocked"));
    JsonNode events = api.get("/v1/sessions/" + session + "/events", ACME_ALICE).body();
    assertTrue(events.toString().contains("guardrail_intervened"), "the journal keeps the reason");
  }

  @Test
  void aSessionIsStoppedByMaxCostUsdBeforeTheCallThatWouldCrossIt() {
    // a call: 1000 input and 200 output tokens = 0.0014 USD; estimated before it as its request's
    // size plus up to 200 output tokens (maxTokens). Two calls fit in 0.003 USD, a third would not.
    api.putAgent(ACME_ALICE, "budgeted", agent(",\"limits\":{\"maxCostUsd\":0.003}"));
    bedrock.enqueue(Reply.text("one").usage(1000, 200), Reply.text("two").usage(1000, 200));
    String session = api.openSession(ACME_ALICE, "budgeted");

    assertEquals("completed", turn(session, "first").text("status"));
    assertEquals("completed", turn(session, "second").text("status"));
    Api.Response third = turn(session, "third");

    assertEquals("failed", third.text("status"), third.raw());
    assertEquals("cost_limit_exceeded", third.body().at("/error/code").asText());
    assertTrue(
        third.body().at("/error/message").asText().contains("maxCostUsd 0.003"), third.raw());
    assertEquals(2, requests().size(), "the third call was never sent");
    JsonNode s = api.get("/v1/sessions/" + session, ACME_ALICE).body();
    long cached =
        s.at("/usage/cacheReadTokens").asLong() + s.at("/usage/cacheWriteTokens").asLong();
    assertEquals(
        0, micros(2000 + cached + 2 * 400).compareTo(s.at("/usage/costUsd").decimalValue()));
    assertFalse(
        s.at("/usage/costUsd").decimalValue().compareTo(new java.math.BigDecimal("0.003")) > 0);
  }
}

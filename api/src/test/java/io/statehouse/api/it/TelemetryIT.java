package io.statehouse.api.it;

import static io.statehouse.api.it.ItKeys.ACME_ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.statehouse.api.StatehouseNode;
import io.statehouse.persistence.cassandra.testing.CassandraExtension;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import io.statehouse.runtime.testing.LocalHttpServer;
import io.statehouse.runtime.testing.PrometheusText;
import java.io.OutputStream;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node observed from outside: its {@code /metrics} scrape (read by a strict text-format parser)
 * and the spans it exports over OTLP/HTTP to a receiver in the test, for a turn with an HTTP tool
 * started under a caller's W3C trace context, and for a team run.
 */
@ExtendWith(CassandraExtension.class)
class TelemetryIT {
  private static final String CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER_SPAN = "00f067aa0ba902b7";
  private static final String RUN_TRACE = "0af7651916cd43dd8448eb211c80319c";
  private static final String RUN_SPAN = "b7ad6b7169203331";
  private static final String SECRET = "it-secret-value";

  private static LocalHttpServer tools;
  private static LocalHttpServer collector;
  private static StatehouseNode node;
  private static Api api;
  // what the collector received, resource by resource
  private static final List<ResourceSpans> received = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start(CassandraTestKeyspaces keyspaces) throws Exception {
    tools =
        new LocalHttpServer()
            .on("/lookup", (ex, body) -> LocalHttpServer.respond(ex, 200, "{\"stars\":1200}"));
    collector =
        new LocalHttpServer()
            .onBytes(
                "/v1/traces",
                (ex, body) -> {
                  received.addAll(ExportTraceServiceRequest.parseFrom(body).getResourceSpansList());
                  byte[] ok = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                  ex.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                  ex.sendResponseHeaders(200, ok.length);
                  try (OutputStream out = ex.getResponseBody()) {
                    out.write(ok);
                  }
                });
    node =
        StatehouseNode.start(
            NodeConfig.full(
                keyspaces,
                0,
                "statehouse.telemetry.otlp.endpoint = \""
                    + collector.url("/v1/traces")
                    + "\"\n"
                    + "statehouse.telemetry.otlp.schedule-delay = 200ms\n"
                    // a stream learns its client left when a write fails: heartbeats write often
                    + "statehouse.api.streams.heartbeat = 1s\n"));
    api = new Api("127.0.0.1", node.port());
    api.putTool(ACME_ALICE, "lookup", Defs.toolWithSecretHeader(tools.url("/lookup")));
    api.putAgent(
        ACME_ALICE,
        "observed",
        Defs.agent(
            "[\"lookup\"]",
            "["
                + Defs.call("lookup", "pekko stars")
                + ","
                + Defs.text("Pekko has 1200 stars.")
                + "]",
            false,
            null));
  }

  @AfterAll
  static void stop() {
    node.close();
    tools.close();
    collector.close();
  }

  @Test
  void aTurnWithAnHttpToolIsScrapedAndTracedUnderTheCallersContextWithoutSecrets()
      throws Exception {
    String session = api.openSession(ACME_ALICE, "observed");
    Api.Response turn =
        api.send(
            "POST",
            "/v1/sessions/" + session + "/messages?wait=30",
            ACME_ALICE,
            "{\"content\":\"how many stars has pekko\"}",
            "application/json",
            "traceparent",
            "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01",
            "tracestate",
            "caller=1");
    assertEquals("completed", turn.text("status"), turn.raw());

    // the spans: invoke_agent under the caller's span, chat and execute_tool under it
    Span agent =
        awaitSpan(
            "the turn's invoke_agent span",
            s ->
                "invoke_agent".equals(attr(s, "gen_ai.operation.name"))
                    && session.equals(attr(s, "gen_ai.conversation.id")));
    assertEquals(CALLER_TRACE, hex(agent.getTraceId()));
    assertEquals(CALLER_SPAN, hex(agent.getParentSpanId()), "the caller's span is its parent");
    assertEquals("invoke_agent observed", agent.getName());
    assertEquals("observed", attr(agent, "gen_ai.agent.name"));
    assertEquals("scripted", attr(agent, "gen_ai.provider.name"));
    assertEquals(turn.text("turnId"), attr(agent, "statehouse.turn.id"));
    Span tool =
        awaitSpan(
            "the execute_tool span",
            s ->
                "execute_tool".equals(attr(s, "gen_ai.operation.name"))
                    && agent.getSpanId().equals(s.getParentSpanId()));
    assertEquals("lookup", attr(tool, "gen_ai.tool.name"));
    assertEquals("call_0_0", attr(tool, "gen_ai.tool.call.id"));
    Eventually.await(
        Duration.ofSeconds(30),
        "a chat span per model call under the turn's",
        () ->
            spans().stream()
                    .filter(c -> "chat".equals(attr(c, "gen_ai.operation.name")))
                    .filter(c -> agent.getSpanId().equals(c.getParentSpanId()))
                    .count()
                == 2);
    Resource resource = resourceOf(agent);
    assertEquals("statehouse", attr(resource.getAttributesList(), "service.name"));
    assertTrue(
        attr(resource.getAttributesList(), "service.instance.id").startsWith("pekko://statehouse@"),
        resource.toString());

    // the tool was called under the execute_tool span, in the caller's trace
    LocalHttpServer.Seen call =
        tools.seen().stream()
            .filter(c -> c.path().equals("/lookup"))
            .filter(c -> session.equals(c.headers().getFirst("X-Statehouse-Session")))
            .findFirst()
            .orElseThrow();
    assertEquals(
        "00-" + CALLER_TRACE + "-" + hex(tool.getSpanId()) + "-01",
        call.headers().getFirst("traceparent"));
    assertEquals("caller=1", call.headers().getFirst("tracestate"));
    assertEquals(SECRET, call.headers().getFirst("X-Api-Key"), "the tool did get its secret");

    // the scrape: the turn, the tool call by outcome, tokens and cost by tenant, agent and model
    // as Prometheus reads it: GET /metrics on the node's management port, never the API's
    String scrape = managementScrape();
    PrometheusText metrics = PrometheusText.parse(scrape);
    assertEquals(404, api.get("/metrics", ACME_ALICE).status(), "the API port serves no metrics");
    String[] observed = {"tenant", "acme", "agent", "observed"};
    assertEquals(
        1.0, metrics.value("statehouse_turns_total", with(observed, "outcome", "completed")));
    assertEquals(
        1.0,
        metrics.value(
            "statehouse_tool_calls_total",
            with(observed, "tool", "lookup", "outcome", "succeeded")));
    String[] model = with(observed, "model", "scripted");
    assertTrue(metrics.value("statehouse_model_tokens_total", with(model, "type", "input")) > 0);
    assertTrue(metrics.value("statehouse_model_tokens_total", with(model, "type", "output")) > 0);
    assertTrue(metrics.value("statehouse_model_cost_usd_total", model) >= 0);
    assertEquals(2.0, metrics.value("statehouse_model_call_duration_seconds_count", model));
    assertEquals(1.0, metrics.value("statehouse_turn_duration_seconds_count", observed));
    assertTrue(metrics.value("statehouse_journal_write_duration_seconds_count") >= 5);
    // every persist went to Cassandra through the coalescer, in at most as many requests
    double journalWrites = metrics.value("statehouse_journal_writes_total");
    assertTrue(journalWrites >= 5, scrape);
    assertTrue(metrics.value("statehouse_journal_write_requests_total") >= 1, scrape);
    assertTrue(metrics.value("statehouse_journal_write_requests_total") <= journalWrites, scrape);
    assertTrue(metrics.value("statehouse_sessions_active") >= 1);

    // nothing secret, no ids of sessions, no text of the conversation
    String spanText = received.toString();
    for (String secret : List.of(SECRET, ACME_ALICE)) {
      assertFalse(scrape.contains(secret), "the scrape carries a secret");
      assertFalse(spanText.contains(secret), "a span carries a secret");
    }
    assertFalse(scrape.contains(session), "a session id is a label value");
    assertFalse(spanText.contains("how many stars"), "a span carries the user's message");
    assertFalse(spanText.contains("1200"), "a span carries the tool's result or the answer");
    assertFalse(spanText.contains("pekko stars"), "a span carries the tool's input");
    String token = call.headers().getFirst("X-Statehouse-Identity");
    assertTrue(token != null && !token.isEmpty(), "the tool got an identity token");
    assertFalse(spanText.contains(token), "a span carries the tool's identity token");
  }

  @Test
  void aTeamRunsMembersTurnsContinueTheCallersTrace() {
    api.putAgent(
        ACME_ALICE,
        "observed-writer",
        Defs.agent(
            "[]",
            "[{\"toolCalls\":[{\"name\":\"workspace_put_artifact\",\"input\":{\"name\":\"report\","
                + "\"content\":\"done\",\"expectedVersion\":0}}]},"
                + Defs.text("written")
                + "]",
            false,
            null));
    Api.Response team =
        api.put(
            "/v1/teams/observed-team",
            ACME_ALICE,
            "{\"members\":[{\"role\":\"writer\",\"agent\":\"observed-writer\"}],"
                + "\"entry\":\"writer\",\"pattern\":\"pipeline\",\"done\":{\"artifact\":\"report\"}}",
            "application/json");
    assertEquals(201, team.status(), team.raw());

    Api.Response started =
        api.send(
            "POST",
            "/v1/teams/observed-team/runs",
            ACME_ALICE,
            "{\"input\":\"write the report\"}",
            "application/json",
            "traceparent",
            "00-" + RUN_TRACE + "-" + RUN_SPAN + "-01");
    assertEquals(201, started.status(), started.raw());

    Span member =
        awaitSpan(
            "the member's invoke_agent span",
            s -> "invoke_agent observed-writer".equals(s.getName()));
    assertEquals(RUN_TRACE, hex(member.getTraceId()));
    assertEquals(RUN_SPAN, hex(member.getParentSpanId()), "the caller's span is its parent");
    Eventually.await(
        Duration.ofSeconds(30),
        "the member's turn to be counted",
        () ->
            PrometheusText.parse(node.metrics().scrape())
                    .value(
                        "statehouse_turns_total",
                        "agent",
                        "observed-writer",
                        "outcome",
                        "completed")
                != null);
  }

  @Test
  void liveStreamClientsAreCountedWhileConnected() throws Exception {
    String session = api.openSession(ACME_ALICE, "observed");
    double before = subscribers();
    try (StreamClient client =
        StreamClient.sse(node.port(), "/v1/sessions/" + session + "/stream", ACME_ALICE, null)) {
      client.untilEvent("SessionCreated", Duration.ofSeconds(30));
      assertEquals(before + 1, subscribers());
    }
    Eventually.await(
        Duration.ofSeconds(30), "the closed stream to be uncounted", () -> subscribers() == before);
  }

  private static double subscribers() {
    return PrometheusText.parse(node.metrics().scrape()).value("statehouse_stream_subscribers");
  }

  private static List<Span> spans() {
    return received.stream()
        .flatMap(r -> r.getScopeSpansList().stream())
        .flatMap(s -> s.getSpansList().stream())
        .toList();
  }

  private static Span awaitSpan(String what, java.util.function.Predicate<Span> test) {
    Span[] found = new Span[1];
    Eventually.await(
        Duration.ofSeconds(30),
        what + " to reach the collector",
        () -> {
          found[0] = spans().stream().filter(test).findFirst().orElse(null);
          return found[0] != null;
        });
    return found[0];
  }

  private static Resource resourceOf(Span span) {
    for (ResourceSpans r : received) {
      for (ScopeSpans s : r.getScopeSpansList()) {
        if (s.getSpansList().contains(span)) {
          return r.getResource();
        }
      }
    }
    throw new AssertionError("no resource for " + span.getName());
  }

  private static String attr(Span span, String key) {
    return attr(span.getAttributesList(), key);
  }

  private static String attr(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        AnyValue v = kv.getValue();
        return v.hasStringValue() ? v.getStringValue() : v.toString();
      }
    }
    return null;
  }

  private static String hex(ByteString id) {
    return HexFormat.of().formatHex(id.toByteArray());
  }

  private static String[] with(String[] labels, String... more) {
    String[] all = new String[labels.length + more.length];
    System.arraycopy(labels, 0, all, 0, labels.length);
    System.arraycopy(more, 0, all, labels.length, more.length);
    return all;
  }

  /** {@code GET /metrics} on the management port, checked for Prometheus's content type. */
  private static String managementScrape() throws Exception {
    java.net.http.HttpResponse<String> r =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(node.management().orElseThrow() + "/metrics"))
                    .GET()
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    // Pekko HTTP spells the charset UTF-8; Prometheus reads either
    assertEquals(
        io.statehouse.api.ops.MetricsRoute.CONTENT_TYPE.toLowerCase(java.util.Locale.ROOT),
        r.headers().firstValue("Content-Type").orElse("").toLowerCase(java.util.Locale.ROOT));
    return r.body();
  }
}

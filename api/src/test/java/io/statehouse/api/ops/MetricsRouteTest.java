package io.statehouse.api.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.statehouse.runtime.telemetry.StatehouseMetrics;
import io.statehouse.runtime.telemetry.TelemetrySettings;
import io.statehouse.runtime.testing.PrometheusText;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics} serves the node's families in the text format Prometheus reads. */
class MetricsRouteTest {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final PrometheusRegistry registry = new PrometheusRegistry();
  private static final StatehouseMetrics metrics =
      new StatehouseMetrics(registry, TelemetrySettings.DEFAULTS);
  private static ServerBinding binding;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeAll
  static void bind() throws Exception {
    binding =
        Http.get(testKit.system())
            .newServerAt("127.0.0.1", 0)
            .bind(new MetricsRoute(registry).route())
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void unbind() {
    binding.unbind();
    testKit.shutdownTestKit();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesTheFamiliesAsText004AndEachScrapeReadsThemAnew() throws Exception {
    HttpResponse<String> first = get("/metrics");
    metrics.streamSubscribers().inc();
    HttpResponse<String> second = get("/metrics");
    metrics.streamSubscribers().dec();

    assertEquals(200, first.statusCode());
    assertEquals(
        MetricsRoute.CONTENT_TYPE,
        first
            .headers()
            .firstValue("Content-Type")
            .orElseThrow()
            .toLowerCase(java.util.Locale.ROOT));
    PrometheusText before = PrometheusText.parse(first.body());
    PrometheusText after = PrometheusText.parse(second.body());
    assertEquals("gauge", before.family("statehouse_stream_subscribers").type());
    assertEquals("histogram", before.family("statehouse_journal_write_duration_seconds").type());
    assertEquals(0.0, before.value("statehouse_stream_subscribers"));
    assertEquals(1.0, after.value("statehouse_stream_subscribers"));
    assertEquals(first.body(), new MetricsRoute(registry).scrape(), "the route serves scrape()");
  }

  @Test
  void servesNothingElse() throws Exception {
    assertEquals(404, get("/v1/sessions").statusCode());
    assertTrue(get("/metrics/extra").statusCode() >= 400);
  }
}

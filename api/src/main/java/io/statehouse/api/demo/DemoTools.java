package io.statehouse.api.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.statehouse.api.http.ApiJson;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * Dev-only tools the demo agents call over real HTTP, served by the node itself under {@code
 * /demo/tools}: a weather lookup (idempotent GET), a refund desk that answers after 5 seconds and
 * de-duplicates by {@code Idempotency-Key} (declared not idempotent, to show what a crash mid-call
 * does to such a tool), and a report builder that takes 8 seconds (idempotent). State is in memory:
 * these stand in for a customer's systems, not for Statehouse's.
 */
public final class DemoTools extends AllDirectives {
  private static final Duration REFUND_TAKES = Duration.ofSeconds(5);
  private static final Duration REPORT_TAKES = Duration.ofSeconds(8);
  private static final List<String> CONDITIONS =
      List.of("sunny", "cloudy", "light rain", "windy", "snow");
  private final Map<String, ObjectNode> refundsByKey = new ConcurrentHashMap<>();
  private final AtomicInteger refundNumbers = new AtomicInteger(1000);

  public Route routes() {
    return pathPrefix(
        "demo",
        () ->
            pathPrefix(
                "tools",
                () ->
                    concat(
                        path(
                            "weather",
                            () ->
                                get(
                                    () ->
                                        parameterOptional(
                                            "city",
                                            city -> complete(weather(city.orElse("Paris")))))),
                        path(
                            "refunds",
                            () ->
                                post(
                                    () ->
                                        optionalHeaderValueByName(
                                            "Idempotency-Key",
                                            key ->
                                                entity(
                                                    Unmarshaller.entityToString(),
                                                    body ->
                                                        completeWithFuture(
                                                            later(
                                                                REFUND_TAKES,
                                                                () ->
                                                                    refund(
                                                                        key.orElse(null),
                                                                        body))))))),
                        path(
                            "report",
                            () ->
                                post(
                                    () ->
                                        completeWithFuture(
                                            later(REPORT_TAKES, DemoTools::report)))))));
  }

  private static HttpResponse weather(String city) {
    int h = Math.abs(city.toLowerCase().hashCode());
    ObjectNode out = ApiJson.WRITER.createObjectNode();
    out.put("city", city)
        .put("tempC", 5 + h % 25)
        .put("conditions", CONDITIONS.get(h % CONDITIONS.size()));
    return ApiJson.response(StatusCodes.OK, out);
  }

  private HttpResponse refund(String key, String body) {
    JsonNode input;
    try {
      input = ApiJson.WRITER.readTree(body);
    } catch (Exception e) {
      return ApiJson.response(StatusCodes.BAD_REQUEST, Map.of("error", "body must be JSON"));
    }
    if (key != null && refundsByKey.containsKey(key)) {
      ObjectNode again = refundsByKey.get(key).deepCopy();
      again.put("duplicate", true);
      return ApiJson.response(StatusCodes.OK, again);
    }
    ObjectNode out = ApiJson.WRITER.createObjectNode();
    out.put("refundId", "rf_" + refundNumbers.incrementAndGet())
        .put("orderId", input.path("orderId").asText())
        .put("amountEur", input.path("amountEur").asDouble())
        .put("status", "issued")
        .put("duplicate", false);
    if (key != null) {
      refundsByKey.put(key, out);
    }
    return ApiJson.response(StatusCodes.OK, out);
  }

  private static HttpResponse report() {
    return ApiJson.response(
        StatusCodes.OK,
        Map.of("report", "Q3 revenue up 12%", "tookSeconds", REPORT_TAKES.toSeconds()));
  }

  private static CompletableFuture<HttpResponse> later(
      Duration delay, Supplier<HttpResponse> answer) {
    return CompletableFuture.supplyAsync(
        answer, CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS));
  }
}

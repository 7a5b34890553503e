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
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Dev-only tools the demo agents call over real HTTP, served by the node itself under {@code
 * /demo/tools}: a weather lookup (idempotent GET), a refund desk that de-duplicates by {@code
 * Idempotency-Key} (not idempotent without it), and a slow report builder for trying a crash
 * mid-call. State is in memory: these stand in for a customer's systems, not for Statehouse's.
 */
public final class DemoTools extends AllDirectives {
  private static final List<String> CONDITIONS = List.of("sunny", "cloudy", "light rain", "windy", "snow");
  private final Map<String, ObjectNode> refundsByKey = new ConcurrentHashMap<>();
  private final AtomicInteger refundNumbers = new AtomicInteger(1000);

  public Route routes() {
    return pathPrefix("demo", () -> pathPrefix("tools", () -> concat(
        path("weather", () -> get(() -> parameterOptional("city", city -> complete(weather(city.orElse("Paris")))))),
        path("refunds", () -> post(() -> optionalHeaderValueByName("Idempotency-Key", key ->
            entity(org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller.entityToString(), body -> complete(refund(key.orElse(null), body)))))),
        path("report", () -> post(() -> completeWithFuture(report()))))));
  }

  private static HttpResponse weather(String city) {
    int h = Math.abs(city.toLowerCase().hashCode());
    ObjectNode out = ApiJson.WRITER.createObjectNode();
    out.put("city", city).put("tempC", 5 + h % 25).put("conditions", CONDITIONS.get(h % CONDITIONS.size()));
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

  private static CompletableFuture<HttpResponse> report() {
    Duration takes = Duration.ofSeconds(8);
    return CompletableFuture.supplyAsync(
        () -> ApiJson.response(StatusCodes.OK, Map.of("report", "Q3 revenue up 12%", "tookSeconds", takes.toSeconds())),
        CompletableFuture.delayedExecutor(takes.toMillis(), TimeUnit.MILLISECONDS));
  }
}

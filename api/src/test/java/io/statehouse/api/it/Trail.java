package io.statehouse.api.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** A session's journal as the API serves it, and the checks the crash tests make on it. */
final class Trail {
  private final List<JsonNode> events = new ArrayList<>();
  private final JsonNode verification;

  private Trail(Api api, String key, String sessionId) {
    Api.Response page = api.get("/v1/sessions/" + sessionId + "/events?limit=1000", key);
    assertEquals(200, page.status(), page.raw());
    page.body().path("events").forEach(events::add);
    Api.Response verify = api.get("/v1/sessions/" + sessionId + "/audit/verify", key);
    assertEquals(200, verify.status(), verify.raw());
    verification = verify.body();
  }

  static Trail of(Api api, String key, String sessionId) {
    return new Trail(api, key, sessionId);
  }

  List<String> types() {
    return events.stream().map(e -> e.path("type").asText()).toList();
  }

  long count(String type) {
    return types().stream().filter(type::equals).count();
  }

  /** Every event there, numbered 1..n with no gap, and the hash chain recomputes. */
  void assertSound() {
    for (int i = 0; i < events.size(); i++) {
      assertEquals(i + 1, events.get(i).path("seq").asLong(), "sequence numbers " + types());
    }
    assertTrue(verification.path("valid").asBoolean(), verification.toString());
    assertEquals(events.size(), verification.path("events").asLong());
  }

  /** The acknowledged turn is in the journal, completed once, and was never resumed. */
  void assertCompletedOnceNeverResumed(String turnId) {
    List<String> completed =
        events.stream()
            .filter(e -> e.path("type").asText().equals("TurnCompleted"))
            .map(e -> e.path("data").path("turnId").asText())
            .toList();
    assertEquals(List.of(turnId), completed, "completed turns in " + types());
    assertEquals(0, count("TurnResumed"), "an acknowledged turn is never run again: " + types());
  }
}

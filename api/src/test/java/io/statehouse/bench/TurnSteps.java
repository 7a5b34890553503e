package io.statehouse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.api.it.Api;
import io.statehouse.api.it.ItKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Where one session's turn spends its time, read from the session's own events: each event is
 * stamped when the session makes it, before it is persisted, so the gap between two steps is the
 * persist of the first plus the work between them. One session, turns back to back, medians.
 */
final class TurnSteps {
  private TurnSteps() {}

  /** The medians, in ms, of each step of {@code turns} turns of the bench agent. */
  static List<String> run(Api api, String agent, int turns) {
    String id = api.openSession(ItKeys.ACME_ALICE, agent);
    List<Long> client = new ArrayList<>();
    for (int i = 0; i < turns; i++) {
      client.add(completedTurn(api, id, "step " + i));
    }
    List<JsonNode> events = new ArrayList<>();
    long after = 0;
    while (true) {
      JsonNode page =
          api.get("/v1/sessions/" + id + "/events?limit=1000&after=" + after, ItKeys.ACME_ALICE)
              .body()
              .path("events");
      if (page.isEmpty()) {
        break;
      }
      page.forEach(events::add);
      after = events.get(events.size() - 1).path("seq").asLong();
    }
    List<Long> accepted = new ArrayList<>(); // UserMessageAdded → first ModelReplied
    List<Long> tool = new ArrayList<>(); // ToolCallStarted → ToolCallSucceeded
    List<Long> answer = new ArrayList<>(); // ToolCallSucceeded → second ModelReplied
    List<Long> inside = new ArrayList<>(); // UserMessageAdded → TurnCompleted
    List<Long> outside = new ArrayList<>(); // the client's time minus the above
    Instant user = null;
    Instant started = null;
    Instant succeeded = null;
    boolean firstReply = true;
    int turn = 0;
    for (JsonNode e : events) {
      Instant at = Instant.parse(e.path("at").asText());
      switch (e.path("type").asText()) {
        case "UserMessageAdded" -> {
          user = at;
          firstReply = true;
        }
        case "ModelReplied" -> {
          if (firstReply) {
            accepted.add(nanos(user, at));
            firstReply = false;
          } else {
            answer.add(nanos(succeeded, at));
          }
        }
        case "ToolCallStarted" -> started = at;
        case "ToolCallSucceeded" -> {
          succeeded = at;
          tool.add(nanos(started, at));
        }
        case "TurnCompleted" -> {
          long in = nanos(user, at);
          inside.add(in);
          outside.add(client.get(turn++) - in);
        }
        default -> {}
      }
    }
    return List.of(
        median("client's round trip", client),
        median("message accepted → model's tool request (write 1 + model call)", accepted),
        median("tool call started → its result (write 2 + HTTP tool call)", tool),
        median("tool result → model's answer (write 3 + model call)", answer),
        median("inside the session: message → turn completed", inside),
        median("outside: HTTP in, routing, sharding, write 4, the reply", outside));
  }

  /** Sends {@code content} to session {@code id}, waits for its turn: the client's time in ns. */
  static long completedTurn(Api api, String id, String content) {
    long t0 = System.nanoTime();
    Api.Response r =
        api.post(
            "/v1/sessions/" + id + "/messages?wait=60",
            ItKeys.ACME_ALICE,
            "{\"content\":\"" + content + "\"}");
    long took = System.nanoTime() - t0;
    if (!"completed".equals(r.text("status"))) {
      throw new IllegalStateException("turn " + content + ": " + r.raw());
    }
    return took;
  }

  private static long nanos(Instant from, Instant to) {
    return Duration.between(from, to).toNanos();
  }

  private static String median(String what, List<Long> samples) {
    Stats s = new Stats(samples);
    return String.format(
        "%-66s p50 %6.2f ms, p90 %6.2f ms (%d)",
        what, s.percentileMs(50), s.percentileMs(90), s.count());
  }
}

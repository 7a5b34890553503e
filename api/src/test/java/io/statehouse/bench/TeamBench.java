package io.statehouse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.api.StatehouseNode;
import io.statehouse.api.it.Api;
import io.statehouse.api.it.Defs;
import io.statehouse.api.it.ItKeys;
import io.statehouse.api.it.NodeConfig;
import io.statehouse.api.it.StreamClient;
import io.statehouse.persistence.cassandra.testing.CassandraTestKeyspaces;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Team runs ({@code teams=on|only}): the 3-member research pipeline of docs/teams.md on the
 * scripted model, N runs at a time, each client starting its next run when its last one ended. A
 * client starts a run ({@code POST /v1/teams/{name}/runs}), follows it on the workspace stream
 * until its {@code end} frame, and starts the next. Then, over a sample of the runs, the journal
 * writes each member turn costs: one write per persisted batch (the events of a batch share their
 * time), in the workspace and in the members' sessions.
 */
final class TeamBench {
  private static final String TEAM = "bench-research";
  private static final int SAMPLE_RUNS = 10;

  private TeamBench() {}

  /** One concurrency's figures. */
  record Result(
      int concurrent,
      int runs,
      double seconds,
      Stats latency,
      Stats serverLatency,
      int errors,
      double nodeCpuMs,
      double cassandraCpuMs,
      List<String> ended,
      Map<String, Integer> failures) {
    double runsPerSecond() {
      return runs / seconds;
    }
  }

  static void run(
      CassandraTestKeyspaces keyspaces,
      List<Integer> concurrency,
      Duration warmup,
      Duration duration,
      long cassandraPid,
      Consumer<String> figure)
      throws Exception {
    try (StatehouseNode node = StatehouseNode.start(NodeConfig.full(keyspaces, 0, ""))) {
      Api api = new Api("127.0.0.1", node.port());
      register(api);
      // the workspace and stream code are not compiled yet: warm them like the rest
      load(api, node.port(), 16, Duration.ZERO, Duration.ofSeconds(30), cassandraPid);
      figure.accept(
          "-- team runs: the 3-member research pipeline, scripted model, followed on the"
              + " workspace stream");
      Result last = null;
      for (int n : concurrency) {
        Result r = load(api, node.port(), n, warmup, duration, cassandraPid);
        figure.accept(line(r));
        last = r;
      }
      if (last != null) {
        figure.accept(writes(api, node.port(), last.ended()));
      }
    }
  }

  private static void register(Api api) {
    api.putAgent(
        ItKeys.ACME_ALICE,
        "bench-researcher",
        Defs.agent(
            "[]",
            "[{\"toolCalls\":[{\"name\":\"workspace_put_artifact\",\"input\":{\"name\":\"findings\","
                + "\"content\":\"Tides follow the moon.\",\"expectedVersion\":0}}]},"
                + Defs.text("gathered")
                + "]",
            false,
            0L));
    api.putAgent(
        ItKeys.ACME_ALICE,
        "bench-checker",
        Defs.agent(
            "[]",
            "[{\"toolCalls\":[{\"name\":\"workspace_read\",\"input\":{\"artifact\":\"findings\"}}]},"
                + "{\"toolCalls\":[{\"name\":\"workspace_put_artifact\",\"input\":{\"name\":\"review\","
                + "\"content\":\"No issues.\",\"expectedVersion\":0}},"
                + "{\"name\":\"workspace_post\",\"input\":{\"to\":\"summarizer\",\"text\":\"cite it\"}}]},"
                + Defs.text("reviewed")
                + "]",
            false,
            0L));
    api.putAgent(
        ItKeys.ACME_ALICE,
        "bench-summarizer",
        Defs.agent(
            "[]",
            "[{\"toolCalls\":[{\"name\":\"workspace_put_artifact\",\"input\":{\"name\":\"report\","
                + "\"content\":\"Report: tides follow the moon.\",\"expectedVersion\":0}}]},"
                + Defs.text("written")
                + "]",
            false,
            0L));
    Api.Response team =
        api.put(
            "/v1/teams/" + TEAM,
            ItKeys.ACME_ALICE,
            "{\"members\":[{\"role\":\"researcher\",\"agent\":\"bench-researcher\"},"
                + "{\"role\":\"compliance\",\"agent\":\"bench-checker\"},"
                + "{\"role\":\"summarizer\",\"agent\":\"bench-summarizer\"}],"
                + "\"entry\":\"researcher\",\"pattern\":\"pipeline\",\"done\":{\"artifact\":\"report\"}}",
            "application/json");
    if (team.status() != 201 && team.status() != 200) {
      throw new IllegalStateException("the bench team was refused: " + team.raw());
    }
  }

  private static Result load(
      Api api, int port, int concurrent, Duration warmup, Duration measure, long cassandraPid)
      throws Exception {
    ClosedLoop.Result<Run> r =
        ClosedLoop.run(concurrent, i -> () -> oneRun(api, port), warmup, measure, cassandraPid);
    int runs = r.values().size();
    return new Result(
        concurrent,
        runs,
        r.seconds(),
        new Stats(r.latencies()),
        new Stats(r.values().stream().map(Run::serverNanos).toList()),
        r.errors(),
        r.nodeCpuMs() / Math.max(1, runs),
        r.cassandraCpuMs() / Math.max(1, runs),
        r.values().stream().map(Run::workspaceId).toList(),
        r.failures());
  }

  /** A run followed to its end: its workspace and its time in the workspace. */
  private record Run(String workspaceId, long serverNanos) {}

  /** One run, followed on its stream to its end; fails with why it did not end done. */
  private static Run oneRun(Api api, int port) throws Exception {
    Api.Response started =
        api.post("/v1/teams/" + TEAM + "/runs", ItKeys.ACME_ALICE, "{\"input\":\"tides?\"}");
    if (started.status() != 201) {
      throw new IllegalStateException("POST run: " + started.status() + " " + started.raw());
    }
    String id = started.text("workspaceId");
    try (StreamClient s =
        StreamClient.sse(port, "/v1/workspaces/" + id + "/stream", ItKeys.ACME_ALICE, null)) {
      List<StreamClient.Frame> frames =
          s.until(f -> f.kind().equals("end"), Duration.ofSeconds(60));
      Instant from = null;
      Instant to = null;
      boolean runDone = false;
      JsonNode endedWith = null;
      for (StreamClient.Frame f : frames) {
        if (f.isEvent() && f.eventType().equals("RunStarted")) {
          from = Instant.parse(f.data().path("at").asText());
        } else if (f.isEvent() && f.eventType().equals("RunEnded")) {
          to = Instant.parse(f.data().path("at").asText());
          runDone = f.data().path("data").path("status").asText().equals("done");
          endedWith = f.data().path("data");
        }
      }
      if (from == null || to == null || !runDone) {
        JsonNode last = endedWith != null ? endedWith : frames.get(frames.size() - 1).data();
        throw new IllegalStateException("the run ended: " + last);
      }
      return new Run(id, Duration.between(from, to).toNanos());
    }
  }

  /**
   * Journal writes per member turn over a sample of ended runs: a batch's events share their time,
   * so the distinct times of an entity's events are its writes.
   */
  private static String writes(Api api, int port, List<String> workspaces) throws Exception {
    int workspaceWrites = 0;
    int sessionWrites = 0;
    int workspaceEvents = 0;
    int sessionEvents = 0;
    int memberTurns = 0;
    List<String> sample = workspaces.subList(0, Math.min(SAMPLE_RUNS, workspaces.size()));
    for (String id : sample) {
      JsonNode ws = api.get("/v1/workspaces/" + id, ItKeys.ACME_ALICE).body();
      memberTurns += ws.path("turns").asInt();
      try (StreamClient s =
          StreamClient.sse(port, "/v1/workspaces/" + id + "/stream", ItKeys.ACME_ALICE, 0L)) {
        Set<String> times = new HashSet<>();
        for (StreamClient.Frame f : s.until(x -> x.kind().equals("end"), Duration.ofSeconds(30))) {
          if (f.isEvent()) {
            times.add(f.data().path("at").asText());
            workspaceEvents++;
          }
        }
        workspaceWrites += times.size();
      }
      for (JsonNode m : ws.path("members")) {
        JsonNode events =
            api.get(
                    "/v1/sessions/" + m.path("sessionId").asText() + "/events?limit=1000",
                    ItKeys.ACME_ALICE)
                .body()
                .path("events");
        Set<String> times = new HashSet<>();
        for (JsonNode e : events) {
          times.add(e.path("at").asText());
          sessionEvents++;
        }
        sessionWrites += times.size();
      }
    }
    double turns = Math.max(1, memberTurns);
    return String.format(
        "  journal writes per member turn: %.2f (workspace %.2f, member session %.2f, with the"
            + " session's open and close); events per member turn: workspace %.2f, session %.2f"
            + "  (%d runs, %d member turns)",
        (workspaceWrites + sessionWrites) / turns,
        workspaceWrites / turns,
        sessionWrites / turns,
        workspaceEvents / turns,
        sessionEvents / turns,
        sample.size(),
        memberTurns);
  }

  static String line(Result r) {
    return String.format(
        "  pipeline runs  C=%-3d %6.1f runs/s  run p50 %7.1f ms  p99 %7.1f ms (in the workspace:"
            + " p50 %6.1f, p99 %6.1f)  CPU/run node %5.1f ms, Cassandra %5.1f ms  (%d runs%s)",
        r.concurrent(),
        r.runsPerSecond(),
        r.latency().percentileMs(50),
        r.latency().percentileMs(99),
        r.serverLatency().percentileMs(50),
        r.serverLatency().percentileMs(99),
        r.nodeCpuMs(),
        r.cassandraCpuMs(),
        r.runs(),
        r.errors() == 0 ? "" : ", " + r.errors() + " errors: " + r.failures());
  }
}

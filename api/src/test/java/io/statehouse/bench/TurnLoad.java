package io.statehouse.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.statehouse.api.it.Api;
import io.statehouse.api.it.ItKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * N sessions, each running turns back to back over HTTP for a while, so their histories grow. A
 * turn is: the scripted model asks for one HTTP tool call, the tool answers at once, the model
 * answers with text. Only turns that start after the warm-up are counted.
 */
final class TurnLoad {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * {@code nodeCpuMs} (this JVM's), {@code cassandraCpuMs} and {@code othersCpuMs} (the other
   * processes asked for, in their order): CPU time per counted turn of each process.
   */
  record Result(
      int sessions,
      int turns,
      double seconds,
      Stats latency,
      int errors,
      double nodeCpuMs,
      double cassandraCpuMs,
      double[] othersCpuMs) {
    double turnsPerSecond() {
      return turns / seconds;
    }
  }

  static Result run(
      Api api, String agent, int sessions, Duration warmup, Duration measure, long cassandraPid)
      throws Exception {
    return run(List.of(api), agent, sessions, warmup, measure, cassandraPid);
  }

  /** As above, client {@code i} (and its session) going through {@code apis[i % size]}. */
  static Result run(
      List<Api> apis,
      String agent,
      int sessions,
      Duration warmup,
      Duration measure,
      long cassandraPid)
      throws Exception {
    return run(
        apis,
        agent,
        sessions,
        warmup,
        measure,
        cassandraPid,
        new long[0],
        ClosedLoop.Window.NONE,
        Client.JDK);
  }

  /** One turn's request, by either client. */
  @FunctionalInterface
  private interface TurnPost {
    KeepAliveConnection.Reply send(String path, String key, String json) throws IOException;
  }

  /** How the load generator sends its turns. */
  enum Client {
    /** The JDK's {@code HttpClient}, as the integration tests' {@link Api}. */
    JDK,
    /** One {@link KeepAliveConnection} per session's client thread. */
    SOCKET;

    static Client of(String name) {
      return switch (name) {
        case "jdk" -> JDK;
        case "socket" -> SOCKET;
        default -> throw new IllegalArgumentException("client=" + name + ": jdk or socket");
      };
    }
  }

  /**
   * As above, also reporting the CPU time per turn of the processes {@code otherPids}, and reading
   * {@code window} at the start and the end of the measured window.
   */
  static Result run(
      List<Api> apis,
      String agent,
      int sessions,
      Duration warmup,
      Duration measure,
      long cassandraPid,
      long[] otherPids,
      ClosedLoop.Window window,
      Client client)
      throws Exception {
    List<String> ids = new ArrayList<>();
    List<KeepAliveConnection> connections = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < sessions; i++) {
      ids.add(apis.get(i % apis.size()).openSession(ItKeys.ACME_ALICE, agent));
    }
    ClosedLoop.Result<Boolean> r =
        ClosedLoop.run(
            sessions,
            i -> {
              String id = ids.get(i);
              Api api = apis.get(i % apis.size());
              AtomicInteger n = new AtomicInteger();
              TurnPost post;
              if (client == Client.SOCKET) {
                // used by this client's thread only, and closed when the run's threads end
                KeepAliveConnection c = new KeepAliveConnection(api.host(), api.port(), 120_000);
                connections.add(c);
                post = c::post;
              } else {
                post =
                    (path, key, json) -> {
                      Api.Response answer = api.post(path, key, json);
                      return new KeepAliveConnection.Reply(
                          answer.status(), answer.raw().getBytes(StandardCharsets.UTF_8));
                    };
              }
              return () -> {
                KeepAliveConnection.Reply reply =
                    post.send(
                        "/v1/sessions/" + id + "/messages?wait=60",
                        ItKeys.ACME_ALICE,
                        "{\"content\":\"turn " + n.getAndIncrement() + "\"}");
                if (reply.status() != 200
                    || !"completed".equals(JSON.readTree(reply.body()).path("status").asText())) {
                  throw new IllegalStateException("turn: " + reply.status() + " " + reply.text());
                }
                return Boolean.TRUE;
              };
            },
            warmup,
            measure,
            cassandraPid,
            otherPids,
            window);
    connections.forEach(KeepAliveConnection::close);
    int turns = r.latencies().size();
    return new Result(
        sessions,
        turns,
        r.seconds(),
        new Stats(r.latencies()),
        r.errors(),
        r.nodeCpuMs() / Math.max(1, turns),
        r.cassandraCpuMs() / Math.max(1, turns),
        Arrays.stream(r.othersCpuMs()).map(ms -> ms / Math.max(1, turns)).toArray());
  }
}

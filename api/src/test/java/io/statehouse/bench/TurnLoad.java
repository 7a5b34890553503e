package io.statehouse.bench;

import io.statehouse.api.it.Api;
import io.statehouse.api.it.ItKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * N sessions, each running turns back to back over HTTP for a while, so their histories grow. A
 * turn is: the scripted model asks for one HTTP tool call, the tool answers at once, the model
 * answers with text. Only turns that start after the warm-up are counted.
 */
final class TurnLoad {
  /** {@code nodeCpuMs} and {@code cassandraCpuMs}: CPU time per counted turn of each process. */
  record Result(
      int sessions,
      int turns,
      double seconds,
      Stats latency,
      int errors,
      double nodeCpuMs,
      double cassandraCpuMs) {
    double turnsPerSecond() {
      return turns / seconds;
    }
  }

  static Result run(
      Api api, String agent, int sessions, Duration warmup, Duration measure, long cassandraPid)
      throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < sessions; i++) {
      ids.add(api.openSession(ItKeys.ACME_ALICE, agent));
    }
    ClosedLoop.Result<Boolean> r =
        ClosedLoop.run(
            sessions,
            i -> {
              String id = ids.get(i);
              AtomicInteger n = new AtomicInteger();
              return () -> {
                Api.Response reply =
                    api.post(
                        "/v1/sessions/" + id + "/messages?wait=60",
                        ItKeys.ACME_ALICE,
                        "{\"content\":\"turn " + n.getAndIncrement() + "\"}");
                if (reply.status() != 200 || !"completed".equals(reply.text("status"))) {
                  throw new IllegalStateException("turn: " + reply.status() + " " + reply.raw());
                }
                return Boolean.TRUE;
              };
            },
            warmup,
            measure,
            cassandraPid);
    int turns = r.latencies().size();
    return new Result(
        sessions,
        turns,
        r.seconds(),
        new Stats(r.latencies()),
        r.errors(),
        r.nodeCpuMs() / Math.max(1, turns),
        r.cassandraCpuMs() / Math.max(1, turns));
  }
}

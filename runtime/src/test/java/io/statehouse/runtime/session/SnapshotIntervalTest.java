package io.statehouse.runtime.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sessions that run in step still write their snapshots at different events. */
class SnapshotIntervalTest {

  @Test
  void eachSessionSnapshotsEveryNToOneAndAHalfNEventsSpreadEvenly() {
    Map<Integer, Integer> sessionsPerInterval = new HashMap<>();
    for (int i = 0; i < 5_000; i++) {
      int interval = AgentSession.snapshotInterval(new SessionId("acme", "ses_" + i), 100);
      assertTrue(interval >= 100 && interval < 150, "interval " + interval);
      sessionsPerInterval.merge(interval, 1, Integer::sum);
    }
    assertEquals(50, sessionsPerInterval.size(), "every interval from 100 to 149 is used");
    int most = sessionsPerInterval.values().stream().max(Integer::compare).orElseThrow();
    assertTrue(most < 200, "no interval holds more than twice its share of 100: " + most);
  }

  @Test
  void aSessionKeepsItsIntervalAndTenantsDoNotShareOne() {
    SessionId id = new SessionId("acme", "ses_7f3a");
    assertEquals(
        AgentSession.snapshotInterval(id, 100),
        AgentSession.snapshotInterval(new SessionId("acme", "ses_7f3a"), 100));
    long distinct =
        java.util.stream.Stream.of("acme", "globex", "initech", "umbrella", "hooli")
            .map(t -> AgentSession.snapshotInterval(new SessionId(t, "ses_1"), 100))
            .distinct()
            .count();
    assertTrue(distinct > 1, "one session id in five tenants: " + distinct + " interval(s)");
  }

  @Test
  void anIntervalTooShortToSpreadIsKeptAsConfigured() {
    for (int every : new int[] {1, 2, 3}) {
      assertEquals(every, AgentSession.snapshotInterval(new SessionId("acme", "ses_x"), every));
    }
  }
}

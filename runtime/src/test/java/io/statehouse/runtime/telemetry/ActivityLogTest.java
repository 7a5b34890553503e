package io.statehouse.runtime.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.statehouse.runtime.telemetry.ActivityLog.Latencies;
import io.statehouse.runtime.telemetry.ActivityLog.Minute;
import io.statehouse.runtime.telemetry.ActivityLog.Snapshot;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ActivityLogTest {
  private final AtomicLong millis =
      new AtomicLong(Instant.parse("2026-11-24T10:00:30Z").toEpochMilli());
  private final Clock clock =
      new Clock() {
        @Override
        public java.time.ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return Instant.ofEpochMilli(millis.get());
        }
      };

  private void minutesLater(int minutes) {
    millis.addAndGet(minutes * 60_000L);
  }

  private static Minute last(Snapshot s) {
    return s.minutes().get(s.minutes().size() - 1);
  }

  @Test
  void countsEachMinuteOfTheLastHourPerTenantAndForgetsOlderOnes() {
    ActivityLog log = new ActivityLog(clock, 10);
    log.turnEnded("acme", false);
    log.turnEnded("acme", true);
    log.toolCall("acme", "search", true, 0.5);
    log.modelReplied("acme", "claude", 1.0, 100, 20, 0.25);
    log.turnEnded("globex", false);

    Snapshot now = log.snapshot("acme");
    assertEquals(ActivityLog.MINUTES, now.minutes().size(), "every minute, empty ones too");
    Minute m = last(now);
    assertEquals(Instant.parse("2026-11-24T10:00:00Z"), m.at());
    assertEquals(
        new Minute(m.at(), 2, 1, 2, 100, 20, 0.25), m, "the failed turn and tool call are errors");
    assertEquals(1, last(log.snapshot("globex")).turns(), "tenants apart");

    minutesLater(1);
    log.turnEnded("acme", false);
    Snapshot later = log.snapshot("acme");
    assertEquals(1, last(later).turns());
    assertEquals(2, later.minutes().get(ActivityLog.MINUTES - 2).turns());

    minutesLater(ActivityLog.MINUTES);
    Snapshot hourOn = log.snapshot("acme");
    assertEquals(0, hourOn.minutes().stream().mapToLong(Minute::turns).sum(), "an hour on: none");
    assertEquals(List.of(), hourOn.tools(), "old latencies leave the window too");
  }

  @Test
  void foldsToolNamesPastTheCapIntoOtherAndRanksTheSlowestByTheirP95() {
    ActivityLog log = new ActivityLog(clock, 2);
    for (int i = 1; i <= 20; i++) {
      log.toolCall("acme", "fast", false, 0.001 * i);
      log.toolCall("acme", "slow", false, 0.1 * i);
    }
    log.toolCall("acme", "third", false, 9.0);
    List<Latencies> tools = log.snapshot("acme").tools();
    assertEquals(List.of("_other", "fast", "slow"), tools.stream().map(Latencies::name).toList());

    List<ActivityLog.Slowest> slowest = ActivityLog.slowest(tools, 2);
    assertEquals("_other", slowest.get(0).name());
    assertEquals("slow", slowest.get(1).name());
    assertEquals(20, slowest.get(1).calls());
    assertEquals(1900.0, slowest.get(1).p95Ms(), 1e-6);
    assertEquals(2000.0, slowest.get(1).maxMs(), 1e-6);
  }

  @Test
  void theNodesSnapshotsAddUp() {
    ActivityLog one = new ActivityLog(clock, 10);
    ActivityLog two = new ActivityLog(clock, 10);
    one.turnEnded("acme", false);
    one.toolCall("acme", "search", false, 0.2);
    two.turnEnded("acme", false);
    two.toolCall("acme", "search", false, 0.4);
    two.modelReplied("acme", "claude", 0.3, 10, 5, 0.5);

    Snapshot all =
        ActivityLog.merge(List.of(one.snapshot("acme"), two.snapshot("acme")), one.minute());
    Minute m = last(all);
    assertEquals(2, m.turns());
    assertEquals(2, m.toolCalls());
    assertEquals(0.5, m.costUsd(), 1e-9);
    assertEquals(List.of(200.0, 400.0), all.tools().get(0).ms());
  }
}

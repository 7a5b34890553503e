package io.statehouse.api.dto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void readsShortAndIsoForms() {
    assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
    assertEquals(Duration.ofSeconds(10), Durations.parse("10s"));
    assertEquals(Duration.ofMinutes(2), Durations.parse(" 2m "));
    assertEquals(Duration.ofHours(1), Durations.parse("1h"));
    assertEquals(Duration.ofSeconds(90), Durations.parse("PT1M30S"));
    assertNull(Durations.parse("soon"));
    assertNull(Durations.parse("10 parsecs"));
  }

  @Test
  void writesTheShortestForm() {
    assertEquals("250ms", Durations.format(Duration.ofMillis(250)));
    assertEquals("90s", Durations.format(Duration.ofSeconds(90)));
    assertEquals("2m", Durations.format(Duration.ofMinutes(2)));
    assertEquals("0s", Durations.format(Duration.ZERO));
  }
}

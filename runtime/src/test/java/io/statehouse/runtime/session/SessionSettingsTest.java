package io.statehouse.runtime.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SessionSettingsTest {

  private static SessionSettings load(String overrides) {
    Config config =
        ConfigFactory.parseString(overrides)
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    return SessionSettings.fromConfig(config);
  }

  @Test
  void idempotencyKeysAreKeptForADayAndTheLastHundredTurnsByDefault() {
    SessionSettings settings = load("");
    assertEquals(Duration.ofHours(24), settings.idempotencyKeyWindow());
    assertEquals(100, settings.idempotencyKeyTurns());
  }

  @Test
  void theRememberedTurnCountIsConfigurableUpToItsHardMaximum() {
    assertEquals(
        10_000, load("statehouse.session.idempotency-key-turns = 10000").idempotencyKeyTurns());
  }

  @Test
  void aTurnCountAboveTheMaximumOrBelowOneStopsTheNodeWithAMessageNamingTheKey() {
    for (String wrong : new String[] {"10001", "0", "-5"}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> load("statehouse.session.idempotency-key-turns = " + wrong),
              wrong);
      assertTrue(e.getMessage().contains("statehouse.session.idempotency-key-turns"), wrong);
      assertTrue(e.getMessage().contains("between 1 and 10000"), e.getMessage());
      assertTrue(e.getMessage().endsWith("not " + wrong), e.getMessage());
    }
  }

  @Test
  void aWindowThatIsNotPositiveStopsTheNode() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> load("statehouse.session.idempotency-key-window = 0s"));
    assertTrue(e.getMessage().contains("idempotency-key-window"), e.getMessage());
  }

  @Test
  void theWorkingContextKeeps400MessagesByDefaultAndTheFoldIsGivenTheBound() {
    assertEquals(400, load("").contextMessages());
    assertEquals(
        new SessionState.Retention(100, 40),
        load("statehouse.session.context-messages = 40").retention());
  }

  @Test
  void aContextBoundOutsideItsRangeStopsTheNodeWithAMessageNamingTheKey() {
    for (String wrong : new String[] {"1", "0", "100001"}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> load("statehouse.session.context-messages = " + wrong),
              wrong);
      assertTrue(e.getMessage().contains("statehouse.session.context-messages"), e.getMessage());
      assertTrue(e.getMessage().endsWith("not " + wrong), e.getMessage());
    }
  }
}

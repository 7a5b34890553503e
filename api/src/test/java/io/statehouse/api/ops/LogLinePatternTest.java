package io.statehouse.api.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import io.statehouse.runtime.telemetry.LogIds;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.MDC;

/** The node's log lines (its logback.xml) name the session and turn they were written for. */
class LogLinePatternTest {

  @Test
  void aLineNamesItsSessionAndTurnOnlyWhenItHasThem() throws Exception {
    List<String> lines =
        logged(
            log -> {
              MDC.put(LogIds.SESSION, "ses_abc");
              MDC.put(LogIds.TURN, "turn_123");
              log.info("in a turn");
              MDC.remove(LogIds.TURN);
              log.info("between turns");
              MDC.clear();
              log.info("outside sessions");
            });

    assertEquals(3, lines.size(), lines.toString());
    assertTrue(lines.get(0).endsWith("pattern [ses_abc turn_123] - in a turn"), lines.get(0));
    assertTrue(lines.get(1).endsWith("pattern [ses_abc] - between turns"), lines.get(1));
    assertTrue(lines.get(2).endsWith("pattern - outside sessions"), lines.get(2));
  }

  /** What the node's logback.xml prints for what {@code body} logs (as logger "pattern"). */
  private static List<String> logged(java.util.function.Consumer<Logger> body) throws Exception {
    PrintStream stdout = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LoggerContext context = new LoggerContext();
    // the MDC the node's code writes to, which a context of its own does not have by itself
    context.setMDCAdapter(MDC.getMDCAdapter());
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      JoranConfigurator config = new JoranConfigurator();
      config.setContext(context);
      config.doConfigure(LogLinePatternTest.class.getResource("/logback.xml"));
      body.accept(context.getLogger("pattern"));
      context
          .getStatusManager()
          .getCopyOfStatusList()
          .forEach(st -> stdout.println("STATUS " + st));
    } finally {
      context.stop();
      System.setOut(stdout);
    }
    return out.toString(StandardCharsets.UTF_8).lines().toList();
  }
}

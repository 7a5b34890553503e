package io.statehouse.runtime.policy.guardrail;

import static io.statehouse.runtime.policy.guardrail.BuiltInRedactionTest.SETTINGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import com.typesafe.config.ConfigFactory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Tenant regexes cannot make the node do unbounded work: every check stops at its time budget or
 * its size bound and then fails closed, never open.
 */
class GuardrailBoundsTest {
  /**
   * Linear in RE2/J, but about a hundred steps per character: over a minute for 10 MB unbounded.
   */
  private static final String SLOW = "(?:a{1,100})*b";

  private static final String TEN_MB_OF_A = "a".repeat(10 * 1024 * 1024);

  @Test
  void readsItsBoundsFromReferenceConf() {
    GuardrailSettings s = GuardrailSettings.fromConfig(ConfigFactory.load());
    assertEquals(Duration.ofMillis(50), s.regexTimeBudget());
    assertEquals(1_000_000, s.maxTextChars());
    assertEquals(2000, s.maxProgramSize());
  }

  @Test
  void aSlowDenyPatternOverTenMegabytesStopsAtItsBudgetAndDenies() {
    // the size bound is lifted so that only the time budget can stop the scan
    GuardrailSettings settings =
        SETTINGS.withMaxTextChars(20_000_000).withRegexTimeBudget(Duration.ofMillis(50));
    Guardrails g =
        Guardrails.compile(
            new GuardrailSpec(
                null, null, List.of(new DenyRule("slow", SLOW, List.of(Direction.INPUT), null))),
            settings);

    long started = System.nanoTime();
    Optional<DenyMatch> denied = g.denied(TEN_MB_OF_A, Direction.INPUT);
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertEquals(Optional.of(DenyMatch.BUDGET_EXCEEDED), denied);
    // 50ms of budget; the slack is for a loaded two-core machine, not for the scan
    assertTrue(took.toMillis() < 1000, "took " + took);
  }

  @Test
  void aSlowRedactionPatternStopsAtItsBudgetAndRedactsEverything() {
    GuardrailSettings settings =
        SETTINGS.withMaxTextChars(20_000_000).withRegexTimeBudget(Duration.ofMillis(50));
    Guardrails g =
        Guardrails.compile(
            new GuardrailSpec(List.of(RedactRule.custom("slow", SLOW)), null, null), settings);

    long started = System.nanoTime();
    String redacted = g.redact(TEN_MB_OF_A, Stage.JOURNAL);
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertEquals(Guardrails.TIMEOUT_MARKER, redacted);
    assertEquals("[REDACTED:guardrail_timeout]", redacted);
    assertTrue(took.toMillis() < 1000, "took " + took);
  }

  @Test
  void aLongRunOfDigitGroupsStaysWithinTheBudgetOfTheBuiltIns() {
    // every group could start a card number: the Luhn checks are metered, not only the regex
    Guardrails g =
        Guardrails.compile(
            new GuardrailSpec(List.of(RedactRule.builtIn("card")), null, null), SETTINGS);
    String run = "2 ".repeat(SETTINGS.maxTextChars() / 2 - 1);

    long started = System.nanoTime();
    String redacted = g.redact(run, Stage.JOURNAL);
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertEquals(Guardrails.TIMEOUT_MARKER, redacted);
    assertTrue(took.toMillis() < 1000, "took " + took);
  }

  @Test
  void aTextOverTheSizeBoundIsNotScannedAndFailsClosed() {
    Guardrails g =
        Guardrails.compile(
            new GuardrailSpec(
                List.of(RedactRule.builtIn("email")),
                null,
                List.of(new DenyRule("x", "never-there", List.of(Direction.OUTPUT), null))),
            SETTINGS);
    String tooLong = "a".repeat(SETTINGS.maxTextChars() + 1);
    assertEquals(Guardrails.TIMEOUT_MARKER, g.redact(tooLong, Stage.JOURNAL));
    assertEquals(Optional.of(DenyMatch.BUDGET_EXCEEDED), g.denied(tooLong, Direction.OUTPUT));
    // no deny rule for input: nothing to check, so nothing to fail
    assertEquals(Optional.empty(), g.denied(tooLong, Direction.INPUT));
  }

  @Test
  void aJsonDocumentWhoseStringsTogetherExceedTheSizeBoundFailsClosed() {
    Guardrails g =
        Guardrails.compile(
            new GuardrailSpec(List.of(RedactRule.builtIn("email")), null, null),
            SETTINGS.withMaxTextChars(1000));
    ArrayNode many = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < 11; i++) {
      many.add("x".repeat(100));
    }
    assertEquals(TextNode.valueOf(Guardrails.TIMEOUT_MARKER), g.redact(many, Stage.JOURNAL));
  }

  @Test
  void jsonDeeperThanTheBoundFailsClosed() {
    Guardrails g =
        Guardrails.compile(
            new GuardrailSpec(List.of(RedactRule.builtIn("email")), null, null), SETTINGS);
    JsonNode deep = TextNode.valueOf("jane@example.com");
    for (int i = 0; i <= SETTINGS.maxJsonDepth(); i++) {
      deep = JsonNodeFactory.instance.arrayNode().add(deep);
    }
    assertEquals(TextNode.valueOf(Guardrails.TIMEOUT_MARKER), g.redact(deep, Stage.JOURNAL));
  }

  @Test
  void aPatternThatWouldExhaustTheHeapWhileCompilingIsRefusedWithoutCompiling() {
    // 23 characters, a billion instructions: RE2/J itself runs out of memory compiling it
    GuardrailSpec spec =
        new GuardrailSpec(
            List.of(RedactRule.custom("huge", "((a{1000}){1000}){1000}")), null, null);
    long started = System.nanoTime();
    List<String> problems = spec.problems(SETTINGS);
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains("too large"), problems.get(0));
    assertTrue(took.toMillis() < 1000, "took " + took);
  }

  @Test
  void measuresRedactionOfTwoKilobytesWithAllBuiltIns() {
    Guardrails g =
        Guardrails.compile(
            new GuardrailSpec(
                List.of(
                    RedactRule.builtIn("email"),
                    RedactRule.builtIn("phone"),
                    RedactRule.builtIn("card"),
                    RedactRule.builtIn("iban"),
                    RedactRule.builtIn("national_id")),
                null,
                null),
            SETTINGS);
    // five values to redact in every 190 characters: far denser than real messages
    String dense =
        twoKilobytesOf(
            "Order 12345 of 2024-01-15 for 150.00 EUR was paid by jane.doe@example.com with card"
                + " 4111 1111 1111 1111; call +44 20 7946 0958 or wire to DE89 3704 0044 0532"
                + " 0130 00. ");
    String typical =
        twoKilobytesOf(
            "Your order 12345 shipped on 2024-01-15 and should arrive within 3 to 5 days; the"
                + " total was 150.00 EUR. Reply to this message if anything is missing. ");
    String prose =
        twoKilobytesOf(
            "The quick brown fox jumps over the lazy dog while the agent drafts its reply. ");

    assertTrue(g.redact(dense, Stage.JOURNAL).contains("[REDACTED:iban]"));
    assertSame(typical, g.redact(typical, Stage.JOURNAL));
    // a measurement for the report, not an assertion: timings vary with the machine and its load
    System.out.printf(
        "guardrails: redact() of 2 KB with all built-ins, CPU µs per call: %.1f dense personal"
            + " data, %.1f typical reply with numbers, %.1f prose without digits%n",
        cpuMicrosPerCall(g, dense), cpuMicrosPerCall(g, typical), cpuMicrosPerCall(g, prose));
  }

  private static String twoKilobytesOf(String sentence) {
    return sentence.repeat(2048 / sentence.length() + 1).substring(0, 2048);
  }

  /** Thread CPU time, not wall time: the build machine is shared, and wall time measures that. */
  private static double cpuMicrosPerCall(Guardrails g, String text) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int sink = 0;
    for (int i = 0; i < 3000; i++) {
      sink += g.redact(text, Stage.JOURNAL).length();
    }
    int calls = 3000;
    long started = threads.getCurrentThreadCpuTime();
    for (int i = 0; i < calls; i++) {
      sink += g.redact(text, Stage.JOURNAL).length();
    }
    double micros = (threads.getCurrentThreadCpuTime() - started) / 1000.0 / calls;
    assertTrue(sink > 0);
    return micros;
  }
}

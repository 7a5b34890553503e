package io.statehouse.runtime.policy.guardrail;

import static io.statehouse.runtime.policy.guardrail.BuiltInRedactionTest.SETTINGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.json.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;
import org.junit.jupiter.api.Test;

class GuardrailSpecTest {
  /** The brief's YAML example, as the JSON a client would send. */
  static final String EXAMPLE =
      """
      {"redact": ["email", "phone", "card", "iban", "national_id",
                  {"name": "employee_id", "pattern": "EMP-[0-9]{6}"}],
       "redactIn": ["journal", "model", "export"],
       "deny": [
         {"name": "no_injection", "pattern": "(?i)ignore (all )?previous instructions",
          "on": ["input"], "reason": "prompt injection"},
         {"name": "no_secrets_out", "pattern": "sk-[A-Za-z0-9]{20,}", "on": ["output"],
          "reason": "model emitted a credential"}]}
      """;

  private static GuardrailSpec read(ObjectMapper mapper, String json) throws Exception {
    return mapper.readValue(json, GuardrailSpec.class);
  }

  private static List<String> problems(
      List<RedactRule> redact, List<Stage> redactIn, List<DenyRule> deny) {
    return new GuardrailSpec(redact, redactIn, deny).problems(SETTINGS);
  }

  private static void assertProblem(List<String> problems, String expected) {
    assertTrue(
        problems.stream().anyMatch(p -> p.contains(expected)),
        "expected a problem containing \"" + expected + "\" in " + problems);
  }

  @Test
  void readsTheDefinitionShapeWithBuiltInsAsBareNames() throws Exception {
    GuardrailSpec spec = read(Json.MAPPER, EXAMPLE);
    assertEquals(6, spec.redact().size());
    assertEquals(RedactRule.builtIn("email"), spec.redact().get(0));
    assertEquals(RedactRule.custom("employee_id", "EMP-[0-9]{6}"), spec.redact().get(5));
    assertEquals(List.of(Stage.JOURNAL, Stage.MODEL, Stage.EXPORT), spec.redactIn());
    assertEquals(
        new DenyRule(
            "no_secrets_out",
            "sk-[A-Za-z0-9]{20,}",
            List.of(Direction.OUTPUT),
            "model emitted a credential"),
        spec.deny().get(1));
    assertEquals(List.of(), spec.problems(SETTINGS));
  }

  @Test
  void leftOutFieldsMeanJournalAndNoRules() throws Exception {
    GuardrailSpec spec = read(Json.MAPPER, "{\"redact\": [\"email\"]}");
    assertEquals(List.of(Stage.JOURNAL), spec.redactIn());
    assertEquals(List.of(), spec.deny());
  }

  @Test
  void survivesAJsonRoundTripWrittenTheWayItIsDefined() throws Exception {
    GuardrailSpec spec = read(Json.MAPPER, EXAMPLE);
    String written = Json.MAPPER.writeValueAsString(spec);
    assertTrue(written.contains("\"redact\":[\"email\",\"phone\""), written);
    assertTrue(
        written.contains("{\"name\":\"employee_id\",\"pattern\":\"EMP-[0-9]{6}\"}"), written);
    assertTrue(written.contains("\"redactIn\":[\"journal\",\"model\",\"export\"]"), written);
    assertTrue(written.contains("\"on\":[\"input\"]"), written);
    assertEquals(spec, read(Json.MAPPER, written));
    // the agent spec is hashed into the audit chain through its canonical form
    assertEquals(
        new String(Json.canonicalBytes(spec)),
        new String(Json.canonicalBytes(read(Json.MAPPER, written))));
  }

  @Test
  void survivesTheJournalsCborRoundTrip() throws Exception {
    ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    try {
      Serialization serialization = SerializationExtension.get(kit.system());
      for (Object value :
          List.of(
              read(Json.MAPPER, EXAMPLE),
              new GuardrailSpec(null, null, null),
              new DenyMatch("no_injection", "prompt injection"),
              DenyMatch.BUDGET_EXCEEDED)) {
        byte[] bytes = serialization.serialize(value).get();
        String manifest = Serializers.manifestFor(serialization.findSerializerFor(value), value);
        Object back =
            serialization
                .deserialize(bytes, serialization.findSerializerFor(value).identifier(), manifest)
                .get();
        assertEquals(value, back);
        assertTrue(serialization.findSerializerFor(value) instanceof JacksonCborSerializer);
      }
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void aStrictReaderRefusesMisspelledFields() {
    ObjectMapper strict =
        JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    assertThrows(
        UnrecognizedPropertyException.class,
        () -> read(strict, "{\"redact\": [{\"name\": \"x\", \"regex\": \"y\"}]}"));
    assertThrows(Exception.class, () -> read(strict, "{\"redactIn\": [\"database\"]}"));
  }

  @Test
  void namesAnUnknownBuiltIn() {
    assertProblem(
        problems(List.of(RedactRule.builtIn("passport")), null, null),
        "guardrails.redact[0]: unknown built-in 'passport' (built-ins: email, phone, card, iban,"
            + " national_id; a custom rule needs a pattern)");
  }

  @Test
  void reportsTheRegexEnginesMessageForAnInvalidPattern() {
    List<String> problems =
        problems(
            List.of(RedactRule.custom("bad", "a**")),
            null,
            List.of(new DenyRule("lookbehind", "(?<=x)y", List.of(Direction.INPUT), null)));
    assertProblem(
        problems,
        "guardrails.redact[0] (bad): invalid pattern: error parsing regexp: invalid nested"
            + " repetition operator: `**`");
    assertProblem(
        problems, "guardrails.deny[0] (lookbehind): invalid pattern: error parsing regexp");
  }

  @Test
  void refusesAPatternLongerThanTheBound() {
    String longPattern = "a".repeat(SETTINGS.maxPatternChars() + 1);
    assertProblem(
        problems(List.of(RedactRule.custom("long", longPattern)), null, null),
        "pattern is "
            + (SETTINGS.maxPatternChars() + 1)
            + " characters; at most "
            + SETTINGS.maxPatternChars());
  }

  @Test
  void refusesTooManyRulesWithoutCompilingThem() {
    List<DenyRule> deny = new ArrayList<>();
    for (int i = 0; i <= SETTINGS.maxRules(); i++) {
      deny.add(new DenyRule("r" + i, "((a{1000}){1000}){1000}", List.of(Direction.INPUT), null));
    }
    assertEquals(
        List.of(
            "guardrails has "
                + (SETTINGS.maxRules() + 1)
                + " rules; at most "
                + SETTINGS.maxRules()),
        problems(null, null, deny));
  }

  @Test
  void refusesADenyRuleThatChecksNothing() {
    List<String> problems =
        problems(null, null, List.of(new DenyRule("idle", "x", List.of(), null)));
    assertProblem(problems, "guardrails.deny[0] (idle): on must list input, output or both");
    assertProblem(
        problems(
            null, null, List.of(new DenyRule("idle", "x", Arrays.asList((Direction) null), null))),
        "on has an empty entry");
  }

  @Test
  void refusesADenyPatternThatMatchesEveryText() {
    assertProblem(
        problems(null, null, List.of(new DenyRule("all", "x*", List.of(Direction.INPUT), null))),
        "guardrails.deny[0] (all): pattern matches an empty text, so it would block every turn");
  }

  @Test
  void refusesDuplicateNames() {
    assertProblem(
        problems(List.of(RedactRule.builtIn("email"), RedactRule.builtIn("email")), null, null),
        "guardrails.redact[1]: 'email' is listed twice");
    DenyRule rule = new DenyRule("same", "x", List.of(Direction.INPUT), null);
    assertProblem(
        problems(null, null, List.of(rule, rule)),
        "guardrails.deny[1] (same): the name is used twice");
  }

  @Test
  void refusesCustomNamesOutsideTheNamePattern() {
    for (String name : List.of("Employee", "1st", "with-dash", "x".repeat(33), "a b")) {
      assertProblem(
          problems(List.of(RedactRule.custom(name, "x")), null, null),
          "the name must be a lower-case letter, then up to 31 lower-case letters, digits or _");
    }
    assertEquals(List.of(), problems(List.of(RedactRule.custom("x".repeat(32), "x")), null, null));
    assertProblem(
        problems(List.of(RedactRule.custom("email", "x")), null, null),
        "'email' is a built-in; give the custom rule another name");
    assertProblem(
        problems(List.of(RedactRule.custom("guardrail_timeout", "x")), null, null),
        "the name guardrail_timeout is reserved");
  }

  @Test
  void refusesRedactionThatAppliesNowhere() {
    assertProblem(
        problems(List.of(RedactRule.builtIn("email")), List.of(), null),
        "guardrails.redactIn is empty, so nothing would be redacted");
  }

  @Test
  void refusesAnOverlongReason() {
    assertProblem(
        problems(
            null, null, List.of(new DenyRule("r", "x", List.of(Direction.INPUT), "y".repeat(201)))),
        "reason is longer than 200 characters");
  }

  @Test
  void listsEveryProblemAtOnce() {
    List<String> problems =
        problems(
            List.of(RedactRule.builtIn("passport"), RedactRule.custom("Bad", "x")),
            null,
            List.of(new DenyRule("d", "(", List.of(), null)));
    assertEquals(4, problems.size(), problems.toString());
  }
}

package io.statehouse.runtime.tool;

import static io.statehouse.runtime.testing.Specs.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.runtime.testing.Specs;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArgumentValidatorTest {
  private final ArgumentValidator validator = new ArgumentValidator();

  @Test
  void acceptsInputThatMatchesTheSchema() {
    assertEquals(
        List.of(), validator.problems(Specs.tool("search", true), json("{\"q\":\"pekko\"}")));
  }

  @Test
  void namesWhatIsWrongWithInvalidInput() {
    List<String> problems = validator.problems(Specs.tool("search", true), json("{\"q\":5}"));
    assertEquals(1, problems.size());
    assertTrue(problems.get(0).contains("q"), problems.toString());
    assertFalse(
        validator.problems(Specs.tool("search", true), json("{}")).isEmpty(), "q is required");
  }

  @Test
  void acceptsAValidSchemaUsingTheBundledMetaSchemaWithoutANetwork() {
    assertEquals(
        List.of(),
        ArgumentValidator.schemaProblems(
            json(
                "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"minimum\":1}}}")));
  }

  @Test
  void rejectsASchemaThatIsNotValidJsonSchema() {
    assertFalse(ArgumentValidator.schemaProblems(json("{\"type\":5}")).isEmpty());
    assertFalse(ArgumentValidator.schemaProblems(json("[1,2]")).isEmpty());
  }

  @Test
  void rejectsRemoteReferencesSoValidationNeverFetchesFromTheNetwork() {
    List<String> problems =
        ArgumentValidator.schemaProblems(json("{\"$ref\":\"https://example.com/evil.json\"}"));
    assertEquals(1, problems.size());
    assertTrue(problems.get(0).contains("local $ref"));
    assertEquals(
        List.of(),
        ArgumentValidator.schemaProblems(
            json(
                "{\"$defs\":{\"s\":{\"type\":\"string\"}},\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/s\"}}}")));
  }
}

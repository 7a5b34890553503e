package io.statehouse.runtime.tool;

import static io.statehouse.runtime.testing.Specs.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.statehouse.runtime.catalog.ToolSpec;
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

  @Test
  void twoTenantsToolsOfTheSameNameAndVersionAreEachCheckedAgainstTheirOwnSchema() {
    ToolSpec acmeSearch = Specs.tool("search", true);
    ToolSpec globexSearch =
        new ToolSpec(
            "search",
            1,
            "another tenant's search",
            json(
                "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"integer\"}},\"required\":[\"q\"]}"),
            true,
            acmeSearch.timeout(),
            acmeSearch.retry(),
            acmeSearch.http());

    assertEquals(List.of(), validator.problems(acmeSearch, json("{\"q\":\"text\"}")));
    assertEquals(List.of(), validator.problems(globexSearch, json("{\"q\":7}")));
    assertFalse(
        validator.problems(globexSearch, json("{\"q\":\"text\"}")).isEmpty(),
        "globex's schema, not acme's cached one, decides");
  }

  @Test
  void keepsAtMostItsBoundOfCompiledSchemas() {
    ArgumentValidator bounded = new ArgumentValidator(3);
    for (int i = 0; i < 10; i++) {
      ToolSpec spec = Specs.tool("t" + i, true);
      ToolSpec distinct =
          new ToolSpec(
              spec.name(),
              1,
              spec.description(),
              json("{\"type\":\"object\",\"maxProperties\":" + (i + 1) + "}"),
              true,
              spec.timeout(),
              spec.retry(),
              spec.http());
      bounded.problems(distinct, json("{}"));
    }
    assertEquals(3, bounded.cachedSchemas());
  }
}

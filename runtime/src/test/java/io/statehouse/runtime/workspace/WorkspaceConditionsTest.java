package io.statehouse.runtime.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeout;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.policy.PolicySettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkspaceConditionsTest {
  private static final String EXAMPLE =
      "has(artifacts.report) && artifacts.report.version >= 2"
          + " && size(posts.filter(p, p.to == \"summarizer\")) == 0";

  /** The defaults of statehouse/policy.conf alone, so other modules' config cannot change them. */
  private static final PolicySettings DEFAULTS =
      PolicySettings.fromConfig(ConfigFactory.parseResources("statehouse/policy.conf").resolve());

  private final WorkspaceConditions conditions = new WorkspaceConditions(DEFAULTS);

  /** A workspace as the runtime passes it: a report at {@code version}, and {@code posts}. */
  private static Map<String, Object> workspace(long version, List<Map<String, Object>> posts) {
    Map<String, Object> vars = new HashMap<>();
    vars.put(
        "artifacts",
        Map.of(
            "report",
            Map.of(
                "version", version,
                "content", "# Report",
                "contentType", "text/markdown",
                "role", "summarizer")));
    vars.put("posts", posts);
    vars.put("tasks", List.of());
    vars.put("run", Map.of("turns", 3L, "round", 2L, "costUsd", 0.25));
    return vars;
  }

  private static Map<String, Object> post(String to) {
    return Map.of("id", "p1", "from", "compliance", "to", to, "text", "fix section 2");
  }

  @Test
  void theExampleCompiles() {
    assertEquals(List.of(), conditions.check(EXAMPLE));
  }

  @Test
  void everyDeclaredVariableCanBeRead() {
    assertEquals(
        List.of(),
        conditions.check(
            "size(artifacts) > 0 && size(posts) >= 0"
                + " && tasks.all(t, t.status == \"done\") && run.turns < 10 && run.costUsd < 1.0"));
  }

  @Test
  void refusesAnUnknownVariable() {
    List<String> problems = conditions.check("workspace.done == true");
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains("undeclared reference to 'workspace'"), problems.get(0));
  }

  @Test
  void refusesAnExpressionThatIsNotABool() {
    List<String> problems = conditions.check("size(posts)");
    assertFalse(problems.isEmpty());
  }

  @Test
  void refusesAnExpressionLongerThanThePolicyLimit() {
    String tooLong = "true" + " && true".repeat(DEFAULTS.maxExpressionChars() / 8 + 1);
    List<String> problems = conditions.check(tooLong);
    assertEquals(
        List.of(
            "is longer than "
                + DEFAULTS.maxExpressionChars()
                + " characters ("
                + tooLong.length()
                + ")"),
        problems);
  }

  @Test
  void refusesAnEmptyExpression() {
    assertFalse(conditions.check(" ").isEmpty());
  }

  @Test
  void theExampleHoldsOnceTheReportIsAtVersionTwoAndNothingIsAddressedToTheSummarizer() {
    WorkspaceConditions.Result r = conditions.evaluate(EXAMPLE, workspace(2, List.of(post(""))));
    assertEquals(new WorkspaceConditions.Result(true, null), r);
  }

  @Test
  void theExampleDoesNotHoldWhileAPostWaitsForTheSummarizer() {
    WorkspaceConditions.Result r =
        conditions.evaluate(EXAMPLE, workspace(2, List.of(post("summarizer"))));
    assertEquals(new WorkspaceConditions.Result(false, null), r);
  }

  @Test
  void theExampleDoesNotHoldAtVersionOneOrWithoutTheReport() {
    assertFalse(conditions.evaluate(EXAMPLE, workspace(1, List.of())).holds());
    Map<String, Object> empty = workspace(1, List.of());
    empty.put("artifacts", Map.of());
    WorkspaceConditions.Result r = conditions.evaluate(EXAMPLE, empty);
    assertEquals(new WorkspaceConditions.Result(false, null), r);
  }

  @Test
  void aMissingKeyIsAFailureNotAnException() {
    Map<String, Object> empty = workspace(1, List.of());
    empty.put("artifacts", Map.of());
    WorkspaceConditions.Result r = conditions.evaluate("artifacts.report.version >= 1", empty);
    assertTrue(r.failed());
    assertFalse(r.holds());
    assertEquals("a field or variable it reads is missing (test fields with has())", r.failure());
  }

  @Test
  void aVariableTheWorkspaceDidNotPassIsAFailure() {
    Map<String, Object> vars = workspace(1, List.of());
    vars.remove("run");
    WorkspaceConditions.Result r = conditions.evaluate("run.turns > 100", vars);
    assertTrue(r.failed(), r.toString());
  }

  @Test
  void aFailureNeverQuotesTheWorkspacesContent() {
    // a type error whose CEL message would name the value
    Map<String, Object> vars = workspace(1, List.of());
    vars.put("run", Map.of("turns", "SECRET-CONTENT", "round", 1L, "costUsd", 0.0));
    WorkspaceConditions.Result r = conditions.evaluate("run.turns + 1 > 2", vars);
    assertTrue(r.failed());
    assertFalse(r.failure().contains("SECRET-CONTENT"), r.failure());
  }

  @Test
  void anExpensiveComprehensionHitsTheBudgetAndIsAFailure() {
    List<Map<String, Object>> posts = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      posts.add(post("r" + i));
    }
    // 4 million comparisons unbounded
    String quadratic = "posts.all(a, posts.all(b, a.to == b.to || a.to != b.to))";
    assertEquals(List.of(), conditions.check(quadratic));
    WorkspaceConditions.Result r =
        assertTimeout(
            Duration.ofSeconds(3), () -> conditions.evaluate(quadratic, workspace(1, posts)));
    assertTrue(r.failed());
    assertFalse(r.holds());
    assertEquals(
        "its comprehensions exceeded " + DEFAULTS.maxComprehensionIterations() + " iterations",
        r.failure());
  }

  @Test
  void aLongStringBuiltInALoopRunsOutOfCost() {
    Map<String, Object> vars = workspace(1, List.of());
    vars.put(
        "artifacts",
        Map.of(
            "big",
            Map.of("version", 1L, "content", "a".repeat(100_000), "contentType", "", "role", "")));
    // each step reads 100,000 characters: 1,000 cost units a step
    String costly =
        "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25]"
            + ".all(i, size(artifacts.big.content + artifacts.big.content) > 0)";
    WorkspaceConditions.Result r = conditions.evaluate(costly, vars);
    assertTrue(r.failed(), r.toString());
    assertEquals(
        "it exceeded the evaluation cost limit of " + DEFAULTS.maxEvaluationCost(), r.failure());
  }

  @Test
  void anExpressionThatDoesNotCompileIsAFailureAtEvaluation() {
    WorkspaceConditions.Result r = conditions.evaluate("nope(", workspace(1, List.of()));
    assertEquals(new WorkspaceConditions.Result(false, "it does not compile"), r);
  }
}

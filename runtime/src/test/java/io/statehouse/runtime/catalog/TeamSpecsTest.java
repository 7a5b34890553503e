package io.statehouse.runtime.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.catalog.TeamSpec.Blackboard;
import io.statehouse.runtime.catalog.TeamSpec.Done;
import io.statehouse.runtime.catalog.TeamSpec.Member;
import io.statehouse.runtime.catalog.TeamSpec.On;
import io.statehouse.runtime.catalog.TeamSpec.Pattern;
import io.statehouse.runtime.catalog.TeamSpec.Pipeline;
import io.statehouse.runtime.catalog.TeamSpec.Rule;
import io.statehouse.runtime.catalog.TeamSpec.Supervisor;
import io.statehouse.runtime.catalog.TeamSpec.TeamLimits;
import io.statehouse.runtime.policy.PolicySettings;
import io.statehouse.runtime.workspace.WorkspaceConditions;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TeamSpecsTest {
  private static final WorkspaceConditions CEL =
      new WorkspaceConditions(
          PolicySettings.fromConfig(
              ConfigFactory.parseResources("statehouse/policy.conf").resolve()));
  private static final TeamSpecs SPECS =
      TeamSpecs.fromConfig(ConfigFactory.parseResources("statehouse/teams.conf").resolve());
  private static final TeamLimits ROUNDS = new TeamLimits(6, null, null, null);
  private static final List<Member> THREE =
      List.of(
          new Member("researcher", "researcher"),
          new Member("compliance", "compliance-checker"),
          new Member("summarizer", "summarizer"));

  private static TeamSpec team(
      List<Member> members, String entry, Pattern pattern, Done done, TeamLimits limits) {
    return new TeamSpec("research", 0, "", members, entry, pattern, done, limits);
  }

  private static TeamSpec pipeline(List<String> order, String entry) {
    return team(THREE, entry, new Pipeline(order), new Done("report", null), null);
  }

  /** The research pipeline with {@code limits}. */
  private static TeamSpec limited(TeamLimits limits) {
    return team(THREE, "researcher", new Pipeline(List.of()), new Done("report", null), limits);
  }

  private static TeamSpec blackboard(TeamLimits limits, Rule... rules) {
    return team(
        List.of(new Member("writer", "w"), new Member("critic", "c")),
        "writer",
        new Blackboard(List.of(rules)),
        null,
        limits);
  }

  private static List<String> problems(TeamSpec spec) {
    return SPECS.problems(spec, CEL);
  }

  /** Exactly one problem, which starts with {@code field}. */
  private static void assertOneProblemAt(String field, TeamSpec spec) {
    List<String> problems = problems(spec);
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith(field), problems.get(0));
  }

  @Test
  void theDefaultsComeFromTeamsConf() {
    assertEquals(16, SPECS.maxMembers());
    assertEquals(Duration.ofDays(30), SPECS.maxDeadline());
  }

  @Test
  void acceptsTheResearchPipeline() {
    assertEquals(
        List.of(),
        problems(pipeline(List.of("researcher", "compliance", "summarizer"), "researcher")));
    assertEquals(List.of(), problems(pipeline(List.of(), "researcher")));
  }

  @Test
  void acceptsAPipelineOverASubsetOfItsRoles() {
    assertEquals(List.of(), problems(pipeline(List.of("compliance", "summarizer"), "compliance")));
  }

  @Test
  void refusesATeamNameThatIsNotAName() {
    TeamSpec spec =
        new TeamSpec("9lives", 0, "", THREE, "researcher", new Pipeline(List.of()), null, null);
    assertOneProblemAt("name: '9lives'", spec);
  }

  @Test
  void refusesATeamWithoutMembers() {
    assertEquals(
        List.of(
            "members: at least one member {role, agent} is required",
            "entry: 'researcher' is not a member role; roles are []"),
        problems(team(List.of(), "researcher", new Pipeline(List.of()), null, null)));
  }

  @Test
  void refusesMoreMembersThanConfiguredAndChecksNothingElse() {
    List<Member> many = new ArrayList<>();
    for (int i = 0; i < 17; i++) {
      many.add(new Member("r" + i, "a"));
    }
    assertEquals(
        List.of("members: at most 16 members (statehouse.teams.max-members), not 17"),
        problems(team(many, "nobody", new Pipeline(List.of()), null, null)));
    List<Member> two = List.of(new Member("a", "a"), new Member("b", "b"));
    assertEquals(
        List.of("members: at most 1 members (statehouse.teams.max-members), not 2"),
        new TeamSpecs(1, Duration.ofDays(1))
            .problems(team(two, "a", new Pipeline(List.of()), null, null), CEL));
  }

  @Test
  void refusesARoleThatIsNotAName() {
    List<Member> members = List.of(new Member("lead", "a"), new Member("has space", "b"));
    assertOneProblemAt(
        "members[1].role: 'has space' must start with a letter",
        team(members, "lead", new Pipeline(List.of()), null, null));
  }

  @Test
  void refusesAnEmptyRole() {
    List<Member> members = List.of(new Member("lead", "a"), new Member("", "b"));
    assertOneProblemAt(
        "members[1].role: ''", team(members, "lead", new Pipeline(List.of()), null, null));
  }

  @Test
  void refusesADuplicateRole() {
    List<Member> members =
        List.of(new Member("lead", "a"), new Member("x", "b"), new Member("lead", "c"));
    assertOneProblemAt(
        "members[2].role: 'lead' is already the role of members[0]",
        team(members, "lead", new Pipeline(List.of()), null, null));
  }

  @Test
  void refusesABlankAgent() {
    List<Member> members = List.of(new Member("lead", " "));
    assertOneProblemAt(
        "members[0].agent is required", team(members, "lead", new Pipeline(List.of()), null, null));
  }

  @Test
  void refusesAMissingEntry() {
    assertOneProblemAt("entry is required", pipeline(List.of(), null));
  }

  @Test
  void refusesAnEntryThatIsNotAMemberRole() {
    assertOneProblemAt(
        "entry: 'ghost' is not a member role",
        team(THREE, "ghost", new Supervisor(List.of()), null, ROUNDS));
  }

  @Test
  void refusesAPipelineOrderNamingAnUnknownRole() {
    assertOneProblemAt(
        "order[1]: 'ghost' is not a member role",
        pipeline(List.of("researcher", "ghost"), "researcher"));
  }

  @Test
  void refusesAPipelineOrderWithARepeat() {
    assertOneProblemAt(
        "order[2]: 'researcher' is listed twice",
        pipeline(List.of("researcher", "summarizer", "researcher"), "researcher"));
  }

  @Test
  void refusesAPipelineWhoseEntryIsNotTheFirstOfItsOrder() {
    assertOneProblemAt(
        "entry: a pipeline starts at order[0] ('researcher')",
        pipeline(List.of("researcher", "summarizer"), "summarizer"));
  }

  @Test
  void refusesAPipelineWithoutOrderWhoseEntryIsNotTheFirstMember() {
    assertOneProblemAt(
        "entry: a pipeline without order runs the members in their order",
        pipeline(List.of(), "compliance"));
  }

  @Test
  void acceptsASupervisorWithALimit() {
    assertEquals(
        List.of(),
        problems(team(THREE, "researcher", new Supervisor(List.of("summarizer")), null, ROUNDS)));
    assertEquals(
        List.of(), problems(team(THREE, "researcher", new Supervisor(List.of()), null, ROUNDS)));
  }

  @Test
  void refusesASupervisorDelegateThatIsNotAMemberRole() {
    assertOneProblemAt(
        "delegates[0]: 'ghost' is not a member role",
        team(THREE, "researcher", new Supervisor(List.of("ghost")), null, ROUNDS));
  }

  @Test
  void refusesTheEntryRoleAsItsOwnDelegate() {
    assertOneProblemAt(
        "delegates[1]: 'researcher' is the entry role",
        team(
            THREE,
            "researcher",
            new Supervisor(List.of("summarizer", "researcher")),
            null,
            ROUNDS));
  }

  @Test
  void refusesASupervisorDelegateListedTwice() {
    assertOneProblemAt(
        "delegates[1]: 'summarizer' is listed twice",
        team(
            THREE,
            "researcher",
            new Supervisor(List.of("summarizer", "summarizer")),
            null,
            ROUNDS));
  }

  @Test
  void refusesASupervisorWithNobodyToDelegateTo() {
    assertOneProblemAt(
        "members: a supervisor team needs at least one role besides entry",
        team(List.of(new Member("boss", "b")), "boss", new Supervisor(List.of()), null, ROUNDS));
  }

  @Test
  void refusesASupervisorWithoutALimitThatEndsLoops() {
    List<String> problems =
        problems(team(THREE, "researcher", new Supervisor(List.of()), null, null));
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(
        problems
            .get(0)
            .startsWith("limits: the supervisor and its delegates report to each other"));
    assertTrue(problems.get(0).contains("limits.maxRounds, limits.maxTurns or limits.deadline"));
  }

  @Test
  void aCostLimitAloneDoesNotBoundASupervisorBecauseAFreeModelNeverReachesIt() {
    TeamLimits costOnly = new TeamLimits(null, null, new BigDecimal("2.50"), null);
    List<String> problems =
        problems(team(THREE, "researcher", new Supervisor(List.of()), null, costOnly));
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains("limits.maxCostUsd alone does not end a loop"));
    assertTrue(problems.get(0).contains("priced at zero"));
  }

  @Test
  void aTurnLimitOrADeadlineBoundsASupervisor() {
    for (TeamLimits l :
        List.of(
            new TeamLimits(null, 20, null, null),
            new TeamLimits(null, null, null, Duration.ofMinutes(30)))) {
      assertEquals(
          List.of(), problems(team(THREE, "researcher", new Supervisor(List.of()), null, l)));
    }
  }

  @Test
  void acceptsABlackboardWithoutACycle() {
    assertEquals(
        List.of(), problems(blackboard(null, new Rule(On.ARTIFACT, "draft", "writer", "critic"))));
  }

  @Test
  void refusesABlackboardWithoutRules() {
    assertOneProblemAt("rules: a blackboard team needs at least one rule", blackboard(null));
  }

  @Test
  void refusesMoreBlackboardRulesThanTheCap() {
    Rule[] rules = new Rule[TeamSpecs.MAX_RULES + 1];
    java.util.Arrays.fill(rules, new Rule(On.POST, null, "writer", "critic"));
    assertOneProblemAt("rules: at most " + TeamSpecs.MAX_RULES + " rules", blackboard(null, rules));
  }

  @Test
  void refusesARuleNotifyingAnUnknownRole() {
    assertOneProblemAt(
        "rules[0].notify: 'editor' is not a member role",
        blackboard(null, new Rule(On.ARTIFACT, null, "writer", "editor")));
  }

  @Test
  void refusesARuleFromAnUnknownRole() {
    assertOneProblemAt(
        "rules[0].from: 'editor' is not a member role",
        blackboard(null, new Rule(On.ARTIFACT, null, "editor", "critic")));
  }

  @Test
  void refusesARuleArtifactNameThatIsNotAnArtifactName() {
    assertOneProblemAt(
        "rules[0].name: 'draft/1'",
        blackboard(null, new Rule(On.ARTIFACT, "draft/1", "writer", "critic")));
  }

  @Test
  void refusesANamedPostRule() {
    assertOneProblemAt(
        "rules[0].name: posts have no name",
        blackboard(null, new Rule(On.POST, "draft", "writer", "critic")));
  }

  @Test
  void refusesABlackboardCycleWithoutALimitAndNamesIt() {
    List<String> problems =
        problems(
            blackboard(
                null,
                new Rule(On.ARTIFACT, "draft", "writer", "critic"),
                new Rule(On.POST, null, "critic", "writer")));
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(
        problems
            .get(0)
            .startsWith("limits: the rules notify in a cycle (writer → critic → writer)"),
        problems.get(0));
  }

  @Test
  void aRuleNotifyingItsOwnAuthorIsACycle() {
    assertOneProblemAt(
        "limits: the rules notify in a cycle (critic → critic)",
        blackboard(null, new Rule(On.POST, null, "critic", "critic")));
  }

  @Test
  void aRuleWithoutFromListensToEveryRoleIncludingItsOwnSoItIsACycle() {
    assertOneProblemAt(
        "limits: the rules notify in a cycle",
        blackboard(null, new Rule(On.ARTIFACT, "draft", null, "critic")));
  }

  @Test
  void aBlackboardCycleWithALimitIsAccepted() {
    assertEquals(
        List.of(),
        problems(
            blackboard(
                ROUNDS,
                new Rule(On.ARTIFACT, "draft", "writer", "critic"),
                new Rule(On.POST, null, "critic", "writer"))));
  }

  @Test
  void refusesRoundsAndTurnsOutOfRange() {
    for (TeamLimits l :
        List.of(
            new TeamLimits(0, null, null, null),
            new TeamLimits(TeamSpecs.MAX_ROUNDS + 1, null, null, null))) {
      assertOneProblemAt("limits.maxRounds must be between 1 and", limited(l));
    }
    for (TeamLimits l :
        List.of(
            new TeamLimits(null, 0, null, null),
            new TeamLimits(null, TeamSpecs.MAX_TURNS + 1, null, null))) {
      assertOneProblemAt("limits.maxTurns must be between 1 and", limited(l));
    }
  }

  @Test
  void refusesANegativeCostLimit() {
    assertOneProblemAt(
        "limits.maxCostUsd must not be negative",
        limited(new TeamLimits(null, null, new BigDecimal("-0.01"), null)));
  }

  @Test
  void refusesADeadlineThatIsZeroOrPastTheConfiguredMaximum() {
    assertOneProblemAt(
        "limits.deadline must be more than 0",
        limited(new TeamLimits(null, null, null, Duration.ZERO)));
    assertOneProblemAt(
        "limits.deadline must be at most 30 days (statehouse.teams.max-deadline)",
        limited(new TeamLimits(null, null, null, Duration.ofDays(30).plusSeconds(1))));
    assertEquals(
        List.of(), problems(limited(new TeamLimits(null, null, null, Duration.ofDays(30)))));
  }

  @Test
  void refusesADoneArtifactThatIsNotAnArtifactName() {
    assertOneProblemAt(
        "done.artifact: 'final report'",
        team(THREE, "researcher", new Pipeline(List.of()), new Done("final report", null), null));
  }

  @Test
  void acceptsADoneConditionThatCompiles() {
    assertEquals(
        List.of(),
        problems(
            team(
                THREE,
                "researcher",
                new Pipeline(List.of()),
                new Done(null, "has(artifacts.report) && artifacts.report.version >= 2"),
                null)));
  }

  @Test
  void refusesADoneConditionThatDoesNotCompileAndPrefixesCelsProblems() {
    List<String> problems =
        problems(
            team(
                THREE,
                "researcher",
                new Pipeline(List.of()),
                new Done(null, "session.turns > 3"),
                null));
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("done.when: "), problems.get(0));
    assertTrue(problems.get(0).contains("session"), problems.get(0));
  }

  @Test
  void reportsEveryProblemAtOnce() {
    TeamSpec spec =
        team(
            List.of(new Member("lead", ""), new Member("lead", "b")),
            "ghost",
            new Supervisor(List.of("nobody")),
            new Done("a b", null),
            new TeamLimits(0, null, null, null));
    List<String> problems = problems(spec);
    assertEquals(
        List.of(
            "members[0].agent",
            "members[1].role",
            "entry",
            "delegates[0]",
            "limits.maxRounds",
            "done.artifact"),
        problems.stream().map(p -> p.split("[: ]")[0]).toList(),
        problems.toString());
  }

  @Test
  void quotesAtMostEightyCharactersOfAClientsValue() {
    String longRole = "r".repeat(500);
    List<String> problems = problems(pipeline(List.of(), longRole));
    assertEquals(1, problems.size());
    assertTrue(problems.get(0).length() < 300, problems.get(0));
  }
}

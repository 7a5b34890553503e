package io.statehouse.api.dto;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.typesafe.config.Config;
import io.statehouse.runtime.catalog.TeamSpec;
import io.statehouse.runtime.catalog.TeamSpecs;
import io.statehouse.runtime.workspace.WorkspaceConditions;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Turns a team definition ({@code PUT /v1/teams/{name}}, JSON or YAML) into a {@link TeamSpec},
 * reporting every problem at once as one 400, like agent definitions. This class checks the wire
 * form (required fields, which settings belong to which pattern, durations); {@link TeamSpecs}
 * checks the team itself; the catalog checks that its agents exist.
 */
public final class TeamDefinitions {
  private final TeamSpecs specs;
  private final WorkspaceConditions conditions;

  public TeamDefinitions(TeamSpecs specs, WorkspaceConditions conditions) {
    this.specs = Objects.requireNonNull(specs);
    this.conditions = Objects.requireNonNull(conditions);
  }

  /** From {@code statehouse.teams} and, for {@code done.when}, {@code statehouse.policy}. */
  public static TeamDefinitions fromConfig(Config config) {
    return new TeamDefinitions(
        TeamSpecs.fromConfig(config), WorkspaceConditions.fromConfig(config));
  }

  /** The body of {@code PUT /v1/teams/{name}}, exactly as clients send it. */
  public record TeamDefinition(
      String name,
      String description,
      List<MemberDefinition> members,
      String entry,
      String pattern,
      List<String> order,
      List<String> delegates,
      List<RuleDefinition> rules,
      DoneDefinition done,
      TeamLimitsDefinition limits) {}

  public record MemberDefinition(String role, String agent) {}

  /** {@code on}: {@code artifact} or {@code post}. */
  public record RuleDefinition(
      String on, String name, String from, @JsonProperty("notify") String notifyRole) {}

  /** Exactly one of {@code artifact} and {@code when}. */
  public record DoneDefinition(String artifact, String when) {}

  /** {@code deadline}: a duration like {@code 30m} or {@code PT2H}. */
  public record TeamLimitsDefinition(
      Integer maxRounds, Integer maxTurns, BigDecimal maxCostUsd, String deadline) {}

  /** The wire names of the patterns. */
  private static final List<String> PATTERNS = List.of("pipeline", "supervisor", "blackboard");

  /**
   * Checks {@code d}, registered under {@code name} (the path's), and returns the spec to register
   * (version 0: the catalog assigns it). Throws a 400 listing every problem.
   */
  public TeamSpec team(String name, TeamDefinition d) {
    Definitions.checkName("team", name);
    List<String> problems = new ArrayList<>();
    if (d.name() != null && !d.name().equals(name)) {
      problems.add("name '" + d.name() + "' in the body differs from '" + name + "' in the path");
    }
    List<TeamSpec.Member> members = members(d.members(), problems);
    TeamSpec.Pattern pattern = pattern(d, problems);
    TeamSpec.Done done = done(d.done(), problems);
    TeamSpec.TeamLimits limits = limits(d.limits(), problems);
    if (pattern == null || (d.done() != null && done == null)) {
      // the spec cannot be built; what is wrong so far is the answer
      Definitions.fail(problems);
    }
    TeamSpec spec =
        new TeamSpec(name, 0, d.description(), members, d.entry(), pattern, done, limits);
    problems.addAll(specs.problems(spec, conditions));
    Definitions.fail(problems);
    return spec;
  }

  /** A member with a missing role or agent is kept with "" there, which the spec check reports. */
  private static List<TeamSpec.Member> members(List<MemberDefinition> raw, List<String> problems) {
    List<TeamSpec.Member> members = new ArrayList<>();
    if (raw == null) {
      return members;
    }
    for (int i = 0; i < raw.size(); i++) {
      MemberDefinition m = raw.get(i);
      if (m == null) {
        problems.add("members[" + i + "] must be an object {role, agent}");
        continue;
      }
      members.add(
          new TeamSpec.Member(
              m.role() == null ? "" : m.role(), m.agent() == null ? "" : m.agent()));
    }
    return members;
  }

  /**
   * The pattern with its own settings; a setting of another pattern is a problem naming it. Null
   * when the pattern is missing or unknown.
   */
  private static TeamSpec.Pattern pattern(TeamDefinition d, List<String> problems) {
    String kind = d.pattern() == null ? null : d.pattern().toLowerCase(Locale.ROOT);
    if (kind == null) {
      problems.add("pattern is required: one of " + PATTERNS);
    } else if (!PATTERNS.contains(kind)) {
      problems.add("pattern '" + d.pattern() + "' must be one of " + PATTERNS);
      kind = null;
    }
    if (d.order() != null && !"pipeline".equals(kind)) {
      problems.add("order applies to pattern pipeline only");
    }
    if (d.delegates() != null && !"supervisor".equals(kind)) {
      problems.add("delegates applies to pattern supervisor only");
    }
    if (d.rules() != null && !"blackboard".equals(kind)) {
      problems.add("rules applies to pattern blackboard only");
    }
    if (kind == null) {
      return null;
    }
    return switch (kind) {
      case "pipeline" -> new TeamSpec.Pipeline(roles("order", d.order(), problems));
      case "supervisor" -> new TeamSpec.Supervisor(roles("delegates", d.delegates(), problems));
      default -> new TeamSpec.Blackboard(rules(d.rules(), problems));
    };
  }

  /** A list of roles without its null entries, each reported. */
  private static List<String> roles(String field, List<String> raw, List<String> problems) {
    List<String> roles = new ArrayList<>();
    if (raw == null) {
      return roles;
    }
    for (int i = 0; i < raw.size(); i++) {
      if (raw.get(i) == null) {
        problems.add(field + "[" + i + "] must be a role");
      } else {
        roles.add(raw.get(i));
      }
    }
    return roles;
  }

  private static List<TeamSpec.Rule> rules(List<RuleDefinition> raw, List<String> problems) {
    List<TeamSpec.Rule> rules = new ArrayList<>();
    if (raw == null) {
      return rules;
    }
    for (int i = 0; i < raw.size(); i++) {
      String at = "rules[" + i + "]";
      RuleDefinition r = raw.get(i);
      if (r == null) {
        problems.add(at + " must be an object {on, name?, from?, notify}");
        continue;
      }
      TeamSpec.On on = on(r.on());
      if (on == null) {
        problems.add(
            at
                + ".on "
                + (r.on() == null ? "is required" : "'" + r.on() + "'")
                + ": one of "
                + Arrays.stream(TeamSpec.On.values()).map(TeamSpec.On::wire).toList());
        continue;
      }
      if (r.notifyRole() == null) {
        problems.add(at + ".notify is required: the role the rule gives a turn");
        continue;
      }
      rules.add(new TeamSpec.Rule(on, r.name(), r.from(), r.notifyRole()));
    }
    return rules;
  }

  private static TeamSpec.On on(String wire) {
    return wire == null
        ? null
        : Arrays.stream(TeamSpec.On.values())
            .filter(o -> o.wire().equals(wire.toLowerCase(Locale.ROOT)))
            .findFirst()
            .orElse(null);
  }

  private static TeamSpec.Done done(DoneDefinition d, List<String> problems) {
    if (d == null) {
      return null;
    }
    if ((d.artifact() == null) == (d.when() == null)) {
      problems.add(
          "done needs exactly one of artifact (an artifact name) and when (a CEL expression over"
              + " the workspace)");
      return null;
    }
    return new TeamSpec.Done(d.artifact(), d.when());
  }

  private static TeamSpec.TeamLimits limits(TeamLimitsDefinition l, List<String> problems) {
    if (l == null) {
      return TeamSpec.TeamLimits.NONE;
    }
    Duration deadline = null;
    if (l.deadline() != null) {
      deadline = Durations.parse(l.deadline());
      if (deadline == null) {
        problems.add(
            "limits.deadline '" + l.deadline() + "' is not a duration like 30m, 2h or PT90M");
      }
    }
    return new TeamSpec.TeamLimits(l.maxRounds(), l.maxTurns(), l.maxCostUsd(), deadline);
  }
}

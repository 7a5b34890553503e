package io.statehouse.api.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.statehouse.runtime.catalog.TeamSpec;
import java.math.BigDecimal;
import java.util.List;

/**
 * Response bodies of {@code /v1/teams}: a team as registered, in the shape it is sent (a view can
 * be sent back as a definition and changes nothing).
 */
public final class TeamViews {
  private TeamViews() {}

  /**
   * {@code order}, {@code delegates} and {@code rules} appear for their pattern only; {@code done}
   * when the team has a done condition.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TeamView(
      String name,
      int version,
      String description,
      List<MemberView> members,
      String entry,
      String pattern,
      List<String> order,
      List<String> delegates,
      List<RuleView> rules,
      DoneView done,
      TeamLimitsView limits) {}

  public record MemberView(String role, String agent) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record RuleView(
      String on, String name, String from, @JsonProperty("notify") String notifyRole) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record DoneView(String artifact, String when) {}

  /**
   * Unset limits are left out; {@code deadline} as durations are written elsewhere ({@code 30m}).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TeamLimitsView(
      Integer maxRounds, Integer maxTurns, BigDecimal maxCostUsd, String deadline) {}

  public static TeamView team(TeamSpec t) {
    List<String> order = null;
    List<String> delegates = null;
    List<RuleView> rules = null;
    if (t.pattern() instanceof TeamSpec.Pipeline p) {
      order = p.order();
    } else if (t.pattern() instanceof TeamSpec.Supervisor s) {
      delegates = s.delegates();
    } else if (t.pattern() instanceof TeamSpec.Blackboard b) {
      rules =
          b.rules().stream()
              .map(r -> new RuleView(r.on().wire(), r.name(), r.from(), r.notifyRole()))
              .toList();
    }
    TeamSpec.TeamLimits l = t.limits();
    return new TeamView(
        t.name(),
        t.version(),
        t.description(),
        t.members().stream().map(m -> new MemberView(m.role(), m.agent())).toList(),
        t.entry(),
        t.pattern().kind(),
        order,
        delegates,
        rules,
        t.done() == null ? null : new DoneView(t.done().artifact(), t.done().when()),
        new TeamLimitsView(
            l.maxRounds(),
            l.maxTurns(),
            l.maxCostUsd(),
            l.deadline() == null ? null : Durations.format(l.deadline())));
  }
}

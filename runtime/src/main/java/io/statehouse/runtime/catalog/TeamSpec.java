package io.statehouse.runtime.catalog;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.statehouse.runtime.CborSerializable;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A registered team at one version: its members (a role each, played by a registered agent), the
 * role that gets the run's input, how members collaborate ({@link Pattern}), when a run is done and
 * the limits of a whole run. A run pins the team's version and its members' agent versions when it
 * starts.
 *
 * @param done when a run is done; null: when the pattern has no work left (the pipeline's last role
 *     ended its turn; nobody has a delivery pending or a turn running)
 * @param limits bounds of one run over all members; never null (fields may be)
 */
public record TeamSpec(
    String name,
    int version,
    String description,
    List<Member> members,
    String entry,
    Pattern pattern,
    Done done,
    TeamLimits limits)
    implements CborSerializable, Versioned<TeamSpec> {

  public TeamSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(pattern, "pattern");
    description = description == null ? "" : description;
    members = members == null ? List.of() : List.copyOf(members);
    limits = limits == null ? TeamLimits.NONE : limits;
  }

  /** The member playing {@code role}. */
  public Optional<Member> member(String role) {
    return members.stream().filter(m -> m.role().equals(role)).findFirst();
  }

  /** The roles, in the order the definition lists them. */
  public List<String> roles() {
    return members.stream().map(Member::role).toList();
  }

  /** The roles a pipeline runs, in order: its own order, or the members' order. */
  public List<String> pipelineOrder() {
    return pattern instanceof Pipeline p && !p.order().isEmpty() ? p.order() : roles();
  }

  @Override
  public TeamSpec withVersion(int newVersion) {
    return new TeamSpec(name, newVersion, description, members, entry, pattern, done, limits);
  }

  /** Same definition, ignoring the version the catalog assigned. */
  @Override
  public boolean sameDefinitionAs(TeamSpec other) {
    return withVersion(0).equals(other.withVersion(0));
  }

  /** A role of the team and the registered agent that plays it. */
  public record Member(String role, String agent) implements CborSerializable {
    public Member {
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(agent, "agent");
    }
  }

  /** How members collaborate. The wire name is {@link #kind()}. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Pipeline.class, name = "pipeline"),
    @JsonSubTypes.Type(value = Supervisor.class, name = "supervisor"),
    @JsonSubTypes.Type(value = Blackboard.class, name = "blackboard")
  })
  public sealed interface Pattern extends CborSerializable {
    String kind();
  }

  /**
   * Roles take turns in order: the first gets the run's input; when a role's turn ends, the next
   * gets what it wrote. {@code order} empty: the members' order.
   */
  public record Pipeline(List<String> order) implements Pattern {
    public Pipeline {
      order = order == null ? List.of() : List.copyOf(order);
    }

    @Override
    public String kind() {
      return "pipeline";
    }
  }

  /**
   * The entry role delegates with {@code workspace_handoff}; each delegate's ended turn is reported
   * back to it, and it decides when the run is done. {@code delegates}: the roles it may hand off
   * to; empty: every other role.
   */
  public record Supervisor(List<String> delegates) implements Pattern {
    public Supervisor {
      delegates = delegates == null ? List.of() : List.copyOf(delegates);
    }

    @Override
    public String kind() {
      return "supervisor";
    }
  }

  /** Members react to what appears on the board: each rule notifies a role. */
  public record Blackboard(List<Rule> rules) implements Pattern {
    public Blackboard {
      rules = rules == null ? List.of() : List.copyOf(rules);
    }

    @Override
    public String kind() {
      return "blackboard";
    }
  }

  /** What a blackboard rule reacts to. */
  public enum On {
    @JsonProperty("artifact")
    ARTIFACT,
    @JsonProperty("post")
    POST;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * When something appears ({@code on} an artifact, named {@code name} if set, or a post), written
   * by role {@code from} (any role if null), role {@code notify} gets a turn about it.
   */
  public record Rule(On on, String name, String from, String notifyRole)
      implements CborSerializable {
    public Rule {
      Objects.requireNonNull(on, "on");
      Objects.requireNonNull(notifyRole, "notifyRole");
    }

    /** Whether something of kind {@code kind} named {@code what} by {@code author} matches. */
    public boolean matches(On kind, String what, String author) {
      return on == kind
          && (name == null || name.equals(what))
          && (from == null || from.equals(author));
    }
  }

  /** Exactly one of: an artifact of that name exists, or a CEL expression over the workspace. */
  public record Done(String artifact, String when) implements CborSerializable {
    public Done {
      if ((artifact == null) == (when == null)) {
        throw new IllegalArgumentException("done needs exactly one of artifact and when");
      }
    }
  }

  /**
   * Bounds of one run, over all members; null: unbounded.
   *
   * @param maxRounds how deep a chain of deliveries may go: the input is round 1, what a round-n
   *     turn causes is round n+1
   * @param maxTurns member turns the workspace delivers, in all
   * @param maxCostUsd the members' summed cost, checked as each member turn ends
   * @param deadline how long after its start the run is stopped
   */
  public record TeamLimits(
      Integer maxRounds, Integer maxTurns, BigDecimal maxCostUsd, Duration deadline)
      implements CborSerializable {
    public static final TeamLimits NONE = new TeamLimits(null, null, null, null);

    /** Whether some limit ends a run that would otherwise loop: rounds, turns or a deadline. */
    public boolean boundsLoops() {
      return maxRounds != null || maxTurns != null || deadline != null;
    }
  }
}

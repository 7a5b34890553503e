package io.statehouse.runtime.catalog;

import com.typesafe.config.Config;
import io.statehouse.runtime.catalog.TeamSpec.Blackboard;
import io.statehouse.runtime.catalog.TeamSpec.Member;
import io.statehouse.runtime.catalog.TeamSpec.Pipeline;
import io.statehouse.runtime.catalog.TeamSpec.Rule;
import io.statehouse.runtime.catalog.TeamSpec.Supervisor;
import io.statehouse.runtime.catalog.TeamSpec.TeamLimits;
import io.statehouse.runtime.workspace.WorkspaceConditions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a team definition before it is registered, reporting every problem at once, each naming
 * its field ({@code members[2].role: ...}). Pure: whether the member agents exist is the catalog's
 * check, made atomically with the write.
 *
 * <p>Besides the shape of each pattern, it refuses a team whose runs could loop for ever: a
 * supervisor and its delegates always report to each other, and a blackboard whose rules notify in
 * a cycle can too. Such a team needs a limit that ends a loop whatever it costs: rounds, turns or a
 * deadline ({@link TeamLimits#boundsLoops()}).
 */
public final class TeamSpecs {
  /** Team names and roles: what a URL path and a model's tool arguments carry safely. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

  /** Artifact names, in rules and in {@code done.artifact}. */
  public static final Pattern ARTIFACT = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

  /** Caps of the run limits, so that a typo cannot ask for an unbounded run. */
  public static final int MAX_ROUNDS = 10_000;

  public static final int MAX_TURNS = 100_000;

  /** Rules of a blackboard; each is matched against everything a member writes. */
  public static final int MAX_RULES = 100;

  /** How much of a client's value a message quotes. */
  private static final int QUOTE_CHARS = 80;

  private final int maxMembers;
  private final Duration maxDeadline;

  /**
   * @param maxMembers {@code statehouse.teams.max-members}
   * @param maxDeadline {@code statehouse.teams.max-deadline}
   */
  public TeamSpecs(int maxMembers, Duration maxDeadline) {
    if (maxMembers < 1) {
      throw new IllegalArgumentException("statehouse.teams.max-members must be at least 1");
    }
    if (maxDeadline == null || maxDeadline.isNegative() || maxDeadline.isZero()) {
      throw new IllegalArgumentException("statehouse.teams.max-deadline must be positive");
    }
    this.maxMembers = maxMembers;
    this.maxDeadline = maxDeadline;
  }

  public static TeamSpecs fromConfig(Config root) {
    Config c = root.getConfig("statehouse.teams");
    return new TeamSpecs(c.getInt("max-members"), c.getDuration("max-deadline"));
  }

  public int maxMembers() {
    return maxMembers;
  }

  public Duration maxDeadline() {
    return maxDeadline;
  }

  /**
   * What is wrong with {@code spec}; empty when it may be registered. {@code cel} compiles {@code
   * done.when}.
   */
  public List<String> problems(TeamSpec spec, WorkspaceConditions cel) {
    Objects.requireNonNull(cel, "cel");
    List<String> problems = new ArrayList<>();
    if (!NAME.matcher(spec.name()).matches()) {
      problems.add("name: " + quote(spec.name()) + " " + nameRule());
    }
    if (spec.members().size() > maxMembers) {
      // nothing else checked: the count alone decides, and bounds the work below
      problems.add(
          "members: at most "
              + maxMembers
              + " members (statehouse.teams.max-members), not "
              + spec.members().size());
      return problems;
    }
    Set<String> roles = members(spec.members(), problems);
    entry(spec, roles, problems);
    String loop = null;
    if (spec.pattern() instanceof Pipeline p) {
      pipeline(spec, p, roles, problems);
    } else if (spec.pattern() instanceof Supervisor s) {
      supervisor(spec, s, roles, problems);
      loop = "the supervisor and its delegates report to each other (pattern supervisor)";
    } else if (spec.pattern() instanceof Blackboard b) {
      loop = blackboard(b, roles, problems);
    }
    limits(spec.limits(), problems);
    if (loop != null && !spec.limits().boundsLoops()) {
      problems.add(
          "limits: "
              + loop
              + ", so a run could go on for ever: set limits.maxRounds, limits.maxTurns or"
              + " limits.deadline (limits.maxCostUsd alone does not end a loop: a model priced at"
              + " zero never reaches it)");
    }
    done(spec.done(), cel, problems);
    return problems;
  }

  /** Checks each member; returns the valid roles. */
  private static Set<String> members(List<Member> members, List<String> problems) {
    if (members.isEmpty()) {
      problems.add("members: at least one member {role, agent} is required");
    }
    Map<String, Integer> seen = new HashMap<>();
    Set<String> roles = new LinkedHashSet<>();
    for (int i = 0; i < members.size(); i++) {
      String at = "members[" + i + "]";
      Member m = members.get(i);
      if (!NAME.matcher(m.role()).matches()) {
        problems.add(at + ".role: " + quote(m.role()) + " " + nameRule());
      } else if (seen.containsKey(m.role())) {
        problems.add(
            at
                + ".role: "
                + quote(m.role())
                + " is already the role of members["
                + seen.get(m.role())
                + "]; roles are unique");
      } else {
        seen.put(m.role(), i);
        roles.add(m.role());
      }
      if (m.agent().isBlank()) {
        problems.add(at + ".agent is required: the name of a registered agent");
      }
    }
    return roles;
  }

  private static void entry(TeamSpec spec, Set<String> roles, List<String> problems) {
    if (spec.entry() == null || spec.entry().isBlank()) {
      problems.add("entry is required: the role that gets the run's input, one of " + roles);
    } else if (!roles.contains(spec.entry())) {
      problems.add("entry: " + quote(spec.entry()) + " is not a member role; roles are " + roles);
    }
  }

  private static void pipeline(
      TeamSpec spec, Pipeline p, Set<String> roles, List<String> problems) {
    Set<String> listed = new LinkedHashSet<>();
    for (int i = 0; i < p.order().size(); i++) {
      String role = p.order().get(i);
      String at = "order[" + i + "]";
      if (role == null || !roles.contains(role)) {
        problems.add(at + ": " + quote(role) + " is not a member role; roles are " + roles);
      } else if (!listed.add(role)) {
        problems.add(at + ": " + quote(role) + " is listed twice; a pipeline runs each role once");
      }
    }
    if (spec.entry() == null || !roles.contains(spec.entry())) {
      return;
    }
    if (!p.order().isEmpty()) {
      String first = p.order().get(0);
      if (!spec.entry().equals(first)) {
        problems.add(
            "entry: a pipeline starts at order[0] ("
                + quote(first)
                + "), so entry must be "
                + quote(first)
                + ", not "
                + quote(spec.entry()));
      }
    } else if (!spec.members().isEmpty()) {
      String first = spec.members().get(0).role();
      if (!spec.entry().equals(first)) {
        problems.add(
            "entry: a pipeline without order runs the members in their order, so entry must be"
                + " the first member's role "
                + quote(first)
                + " (or give order)");
      }
    }
  }

  private static void supervisor(
      TeamSpec spec, Supervisor s, Set<String> roles, List<String> problems) {
    Set<String> listed = new LinkedHashSet<>();
    for (int i = 0; i < s.delegates().size(); i++) {
      String role = s.delegates().get(i);
      String at = "delegates[" + i + "]";
      if (role == null || !roles.contains(role)) {
        problems.add(at + ": " + quote(role) + " is not a member role; roles are " + roles);
      } else if (role.equals(spec.entry())) {
        problems.add(
            at
                + ": "
                + quote(role)
                + " is the entry role, which delegates; it cannot be a delegate");
      } else if (!listed.add(role)) {
        problems.add(at + ": " + quote(role) + " is listed twice");
      }
    }
    if (roles.contains(spec.entry()) && roles.size() < 2) {
      problems.add(
          "members: a supervisor team needs at least one role besides entry to delegate to");
    }
  }

  /** Checks the rules; returns the cycle their notifications form (for a message), or null. */
  private static String blackboard(Blackboard b, Set<String> roles, List<String> problems) {
    if (b.rules().isEmpty()) {
      problems.add("rules: a blackboard team needs at least one rule {on, name?, from?, notify}");
      return null;
    }
    if (b.rules().size() > MAX_RULES) {
      problems.add("rules: at most " + MAX_RULES + " rules, not " + b.rules().size());
      return null;
    }
    // an edge from the role whose writing a rule matches (every role when from is absent) to the
    // role it notifies
    Map<String, Set<String>> notifies = new LinkedHashMap<>();
    for (int i = 0; i < b.rules().size(); i++) {
      Rule r = b.rules().get(i);
      String at = "rules[" + i + "]";
      boolean ok = true;
      if (!roles.contains(r.notifyRole())) {
        problems.add(
            at + ".notify: " + quote(r.notifyRole()) + " is not a member role; roles are " + roles);
        ok = false;
      }
      if (r.from() != null && !roles.contains(r.from())) {
        problems.add(
            at + ".from: " + quote(r.from()) + " is not a member role; roles are " + roles);
        ok = false;
      }
      if (r.name() != null) {
        if (r.on() == TeamSpec.On.POST) {
          problems.add(at + ".name: posts have no name; remove it, or use on: artifact");
        } else if (!ARTIFACT.matcher(r.name()).matches()) {
          problems.add(at + ".name: " + quote(r.name()) + " " + artifactRule());
        }
      }
      if (ok) {
        for (String from : r.from() == null ? roles : Set.of(r.from())) {
          notifies.computeIfAbsent(from, k -> new LinkedHashSet<>()).add(r.notifyRole());
        }
      }
    }
    List<String> cycle = cycle(notifies);
    return cycle == null ? null : "the rules notify in a cycle (" + String.join(" → ", cycle) + ")";
  }

  /** A cycle of {@code edges} as the roles along it (first repeated last), or null. */
  private static List<String> cycle(Map<String, Set<String>> edges) {
    Map<String, Boolean> done = new HashMap<>();
    for (String start : edges.keySet()) {
      List<String> found = visit(start, edges, done, new ArrayList<>());
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  /**
   * Depth-first from {@code node}: {@code done} holds false for roles on the current path, true for
   * roles fully explored. The graph has at most {@code max-members} nodes, so recursion is shallow.
   */
  private static List<String> visit(
      String node, Map<String, Set<String>> edges, Map<String, Boolean> done, List<String> path) {
    Boolean state = done.get(node);
    if (Boolean.TRUE.equals(state)) {
      return null;
    }
    if (Boolean.FALSE.equals(state)) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
      cycle.add(node);
      return cycle;
    }
    done.put(node, false);
    path.add(node);
    for (String next : edges.getOrDefault(node, Set.of())) {
      List<String> found = visit(next, edges, done, path);
      if (found != null) {
        return found;
      }
    }
    path.remove(path.size() - 1);
    done.put(node, true);
    return null;
  }

  private void limits(TeamLimits l, List<String> problems) {
    if (l.maxRounds() != null && (l.maxRounds() < 1 || l.maxRounds() > MAX_ROUNDS)) {
      problems.add("limits.maxRounds must be between 1 and " + MAX_ROUNDS);
    }
    if (l.maxTurns() != null && (l.maxTurns() < 1 || l.maxTurns() > MAX_TURNS)) {
      problems.add("limits.maxTurns must be between 1 and " + MAX_TURNS);
    }
    if (l.maxCostUsd() != null && l.maxCostUsd().signum() < 0) {
      problems.add("limits.maxCostUsd must not be negative");
    }
    if (l.deadline() != null) {
      if (l.deadline().isNegative() || l.deadline().isZero()) {
        problems.add("limits.deadline must be more than 0");
      } else if (l.deadline().compareTo(maxDeadline) > 0) {
        problems.add(
            "limits.deadline must be at most "
                + describe(maxDeadline)
                + " (statehouse.teams.max-deadline)");
      }
    }
  }

  private static void done(TeamSpec.Done done, WorkspaceConditions cel, List<String> problems) {
    if (done == null) {
      return;
    }
    if (done.artifact() != null && !ARTIFACT.matcher(done.artifact()).matches()) {
      problems.add("done.artifact: " + quote(done.artifact()) + " " + artifactRule());
    }
    if (done.when() != null) {
      cel.check(done.when()).forEach(p -> problems.add("done.when: " + p));
    }
  }

  private static String nameRule() {
    return "must start with a letter and use only letters, digits, _ and - (at most 64)";
  }

  private static String artifactRule() {
    return "must be 1 to 128 letters, digits, '_', '.' or '-'";
  }

  /** A client's value in a message: quoted, and cut short, so a 400 stays readable. */
  private static String quote(String value) {
    if (value == null) {
      return "(missing)";
    }
    return "'"
        + (value.length() > QUOTE_CHARS ? value.substring(0, QUOTE_CHARS) + "…" : value)
        + "'";
  }

  private static String describe(Duration d) {
    if (d.toHours() > 0 && d.equals(Duration.ofDays(d.toDays()))) {
      return d.toDays() + (d.toDays() == 1 ? " day" : " days");
    }
    if (d.equals(Duration.ofHours(d.toHours()))) {
      return d.toHours() + "h";
    }
    return d.toString();
  }
}

package io.statehouse.runtime.workspace;

import io.statehouse.runtime.catalog.TeamSpec;
import io.statehouse.runtime.catalog.TeamSpec.Blackboard;
import io.statehouse.runtime.catalog.TeamSpec.On;
import io.statehouse.runtime.catalog.TeamSpec.Pipeline;
import io.statehouse.runtime.catalog.TeamSpec.Supervisor;
import io.statehouse.runtime.catalog.TeamSpec.TeamLimits;
import io.statehouse.runtime.session.TurnStatus;
import io.statehouse.runtime.workspace.WorkspaceEvent.DeliveryScheduled;
import io.statehouse.runtime.workspace.WorkspaceEvent.RunEnded;
import io.statehouse.runtime.workspace.WorkspaceState.Artifact;
import io.statehouse.runtime.workspace.WorkspaceState.ArtifactVersion;
import io.statehouse.runtime.workspace.WorkspaceState.MemberTurn;
import io.statehouse.runtime.workspace.WorkspaceState.Post;
import io.statehouse.runtime.workspace.WorkspaceState.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What happens next in a team run, decided in pure code from the workspace's state: who gets a turn
 * when the run starts, and when a member's turn ends. Everything a turn caused (posts addressed to
 * a role, handoffs, what blackboard rules react to, the pipeline's next step, a supervisor's
 * report) is delivered when that turn ends, merged into one turn per role; then the done condition,
 * the limits and whether anyone has work left decide whether the run goes on.
 *
 * <p>Rounds: the input is round 1; what a round-n turn causes is round n+1. A chain of deliveries
 * (a loop between two roles) deepens the round each hop, which is what {@code maxRounds} bounds.
 */
final class Coordinator {

  /** Whether a run's done condition holds, or why it could not be told. */
  record Verdict(boolean holds, String failure) {}

  /** Tests the done condition of the run in a state (the condition is the team's). */
  @FunctionalInterface
  interface DoneTest {
    Verdict test(WorkspaceState s);
  }

  private Coordinator() {}

  /**
   * The run just started ({@code RunStarted} is in the batch): the input goes to the entry role.
   */
  static void start(WorkspaceBatch b) {
    WorkspaceState s = b.state();
    TeamSpec team = s.team();
    String text =
        "Team run of '"
            + team.name()
            + "'. You are the "
            + team.entry()
            + ". The team: "
            + team.roles()
            + ".\n\nInput:\n"
            + s.input();
    schedule(b, team.entry(), text, 1, team.pattern() instanceof Pipeline);
  }

  /**
   * Member turn {@code turnId} ended ({@code MemberTurnEnded} is in the batch): adds what follows
   * from it to {@code b}.
   */
  static void afterTurn(
      WorkspaceBatch b, String turnId, DoneTest done, WorkspaceSettings settings) {
    WorkspaceState s = b.state();
    MemberTurn turn = s.turns().get(turnId);
    if (!s.running() || turn == null) {
      return;
    }
    TeamSpec team = s.team();
    TeamLimits limits = team.limits();
    if (team.done() != null) {
      Verdict v = done.test(s);
      if (v.failure() != null) {
        end(b, RunStatus.FAILED, "the done condition could not be evaluated: " + v.failure());
        return;
      }
      if (v.holds()) {
        end(b, RunStatus.DONE, "the done condition holds (after " + turn.role() + "'s turn)");
        return;
      }
    }
    if (limits.maxCostUsd() != null && s.usage().costUsd().compareTo(limits.maxCostUsd()) >= 0) {
      end(
          b,
          RunStatus.LIMIT_REACHED,
          "maxCostUsd "
              + limits.maxCostUsd().toPlainString()
              + " reached: the members spent "
              + s.usage().costUsd().toPlainString()
              + " USD");
      return;
    }

    Map<String, List<String>> parts = new LinkedHashMap<>();
    boolean nextStep = false;
    String next = null;
    notices(s, turn, parts);
    if (team.pattern() instanceof Pipeline && turn.pipelineStep()) {
      if (turn.status() != TurnStatus.COMPLETED) {
        end(
            b,
            RunStatus.FAILED,
            "the pipeline step of "
                + turn.role()
                + " ended "
                + turn.status().wire()
                + (turn.error() == null ? "" : ": " + turn.error()));
        return;
      }
      List<String> order = team.pipelineOrder();
      int at = order.indexOf(turn.role());
      if (at == order.size() - 1) {
        end(
            b,
            team.done() == null ? RunStatus.DONE : RunStatus.FAILED,
            "the pipeline's last role ("
                + turn.role()
                + ") finished"
                + (team.done() == null ? "" : " and the done condition does not hold"));
        return;
      }
      next = order.get(at + 1);
      nextStep = true;
      parts.computeIfAbsent(next, r -> new ArrayList<>()).add(0, pipelineText(s, turn, settings));
    } else if (team.pattern() instanceof Supervisor && !turn.role().equals(team.entry())) {
      parts
          .computeIfAbsent(team.entry(), r -> new ArrayList<>())
          .add(reportText(s, turn, settings));
    }

    if (!parts.isEmpty()) {
      int round = turn.round() + 1;
      if (limits.maxRounds() != null && round > limits.maxRounds()) {
        end(
            b,
            RunStatus.LIMIT_REACHED,
            "maxRounds "
                + limits.maxRounds()
                + " reached: "
                + String.join(", ", parts.keySet())
                + " would get a turn in round "
                + round);
        return;
      }
      if (limits.maxTurns() != null && s.turnsGiven() + parts.size() > limits.maxTurns()) {
        end(
            b,
            RunStatus.LIMIT_REACHED,
            "maxTurns "
                + limits.maxTurns()
                + " reached: "
                + String.join(", ", parts.keySet())
                + " would get turn "
                + (s.turnsGiven() + 1));
        return;
      }
      for (String role : team.roles()) {
        List<String> texts = parts.get(role);
        if (texts != null) {
          schedule(b, role, String.join("\n\n", texts), round, nextStep && role.equals(next));
        }
      }
    }

    WorkspaceState after = b.state();
    if (after.pendingDeliveries().isEmpty() && after.runningTurns().isEmpty()) {
      if (turn.status() != TurnStatus.COMPLETED) {
        end(
            b,
            RunStatus.FAILED,
            turn.role()
                + "'s turn ended "
                + turn.status().wire()
                + (turn.error() == null ? "" : " (" + turn.error() + ")")
                + " and no member has work left");
      } else if (team.done() == null) {
        end(b, RunStatus.DONE, "no member has work left");
      } else {
        end(b, RunStatus.FAILED, "no member has work left and the done condition does not hold");
      }
    }
  }

  /**
   * What turn {@code t} wrote that concerns other roles: posts addressed to them, work handed to
   * them, and, on a blackboard, what its rules react to.
   */
  private static void notices(WorkspaceState s, MemberTurn t, Map<String, List<String>> parts) {
    String author = t.role();
    for (Post p : s.posts()) {
      if (t.turnId().equals(p.turnId()) && p.to() != null) {
        add(parts, p.to(), "Post from " + author + ":\n" + p.text());
      }
    }
    for (Task task : s.tasks().values()) {
      if (t.turnId().equals(task.turnId()) && task.owner() != null) {
        add(
            parts,
            task.owner(),
            "Task "
                + task.id()
                + " from "
                + author
                + ": "
                + task.title()
                + (task.detail() == null ? "" : "\n" + task.detail())
                + "\nWhen it is done, call workspace_complete_task with taskId "
                + task.id()
                + " and your result.");
      }
    }
    if (!(s.team().pattern() instanceof Blackboard board)) {
      return;
    }
    for (ArtifactVersion v : s.artifactLog()) {
      if (t.turnId().equals(v.turnId())) {
        for (TeamSpec.Rule rule : board.rules()) {
          if (rule.matches(On.ARTIFACT, v.name(), author) && notifies(rule, author)) {
            add(
                parts,
                rule.notifyRole(),
                author
                    + " wrote artifact '"
                    + v.name()
                    + "' (version "
                    + v.version()
                    + "). Read it with workspace_read.");
          }
        }
      }
    }
    for (Post p : s.posts()) {
      if (t.turnId().equals(p.turnId())) {
        for (TeamSpec.Rule rule : board.rules()) {
          if (rule.matches(On.POST, null, author)
              && notifies(rule, author)
              && !rule.notifyRole().equals(p.to())) {
            add(parts, rule.notifyRole(), "Post from " + author + " on the board:\n" + p.text());
          }
        }
      }
    }
  }

  /** A rule for any author does not notify the author of its own writing. */
  private static boolean notifies(TeamSpec.Rule rule, String author) {
    return rule.from() != null || !rule.notifyRole().equals(author);
  }

  private static void add(Map<String, List<String>> parts, String role, String text) {
    List<String> list = parts.computeIfAbsent(role, r -> new ArrayList<>());
    if (!list.contains(text)) {
      list.add(text);
    }
  }

  /** The next pipeline role's work: what the previous role wrote, inline up to a bound. */
  private static String pipelineText(WorkspaceState s, MemberTurn t, WorkspaceSettings settings) {
    StringBuilder out =
        new StringBuilder("Your step of the pipeline. ").append(t.role()).append(" finished");
    List<String> written = new ArrayList<>();
    for (ArtifactVersion v : s.artifactLog()) {
      if (t.turnId().equals(v.turnId()) && !written.contains(v.name())) {
        written.add(v.name());
      }
    }
    if (written.isEmpty()) {
      out.append(" without writing an artifact. Its answer:\n").append(cut(t.output(), settings));
    } else {
      out.append(" and wrote:");
      for (String name : written) {
        Artifact a = s.artifacts().get(name);
        out.append("\n\n## ")
            .append(name)
            .append(" (version ")
            .append(a.version())
            .append(")\n")
            .append(cut(a.content(), settings));
      }
    }
    return out.append("\n\nWrite your own artifact with workspace_put_artifact.").toString();
  }

  /** A delegate's ended turn, as its supervisor reads it. */
  private static String reportText(WorkspaceState s, MemberTurn t, WorkspaceSettings settings) {
    StringBuilder out =
        new StringBuilder(t.role()).append(" ended its turn: ").append(t.status().wire());
    if (t.error() != null) {
      out.append(" (").append(t.error()).append(')');
    }
    if (t.output() != null && !t.output().isBlank()) {
      out.append("\nIts answer:\n").append(cut(t.output(), settings));
    }
    for (Task task : s.tasks().values()) {
      if (t.role().equals(task.owner())) {
        out.append("\nTask ")
            .append(task.id())
            .append(" (")
            .append(task.title())
            .append("): ")
            .append(task.status().wire());
        if (task.result() != null) {
          out.append(" — ").append(cut(task.result(), settings));
        }
      }
    }
    return out.toString();
  }

  private static String cut(String text, WorkspaceSettings settings) {
    if (text == null) {
      return "";
    }
    int max = settings.maxOutputChars();
    return text.length() <= max
        ? text
        : text.substring(0, max)
            + "\n[… "
            + (text.length() - max)
            + " more characters: read it with workspace_read]";
  }

  private static void schedule(
      WorkspaceBatch b, String role, String text, int round, boolean pipelineStep) {
    b.add(
        new DeliveryScheduled(
            b.meta("runtime"),
            "dlv_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20),
            role,
            text,
            round,
            pipelineStep));
  }

  static void end(WorkspaceBatch b, RunStatus status, String reason) {
    b.add(new RunEnded(b.meta("runtime"), status, reason));
  }
}

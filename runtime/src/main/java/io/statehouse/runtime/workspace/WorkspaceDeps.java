package io.statehouse.runtime.workspace;

import io.statehouse.runtime.catalog.TeamSpec;
import io.statehouse.runtime.workspace.WorkspaceState.Artifact;
import io.statehouse.runtime.workspace.WorkspaceState.Post;
import io.statehouse.runtime.workspace.WorkspaceState.Task;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a workspace needs from its node: its members' sessions, its settings, a clock, and the CEL
 * engine of done conditions.
 */
public record WorkspaceDeps(
    MemberSessions members,
    WorkspaceSettings settings,
    Clock clock,
    WorkspaceConditions conditions) {

  /** Whether the team's done condition holds in {@code s}, or why it could not be told. */
  Coordinator.DoneTest done() {
    return s -> {
      TeamSpec.Done done = s.team().done();
      if (done == null) {
        return new Coordinator.Verdict(false, null);
      }
      if (done.artifact() != null) {
        return new Coordinator.Verdict(s.artifacts().containsKey(done.artifact()), null);
      }
      WorkspaceConditions.Result r = conditions.evaluate(done.when(), variables(s));
      return new Coordinator.Verdict(r.holds(), r.failed() ? r.failure() : null);
    };
  }

  /**
   * The workspace as a done condition sees it: {@code artifacts}, {@code posts}, {@code tasks},
   * {@code run}.
   */
  static Map<String, Object> variables(WorkspaceState s) {
    Map<String, Object> artifacts = new LinkedHashMap<>();
    for (Artifact a : s.artifacts().values()) {
      artifacts.put(
          a.name(),
          Map.of(
              "version", (long) a.version(),
              "content", a.content(),
              "contentType", a.contentType(),
              "role", a.role()));
    }
    List<Object> posts = new ArrayList<>();
    for (Post p : s.posts()) {
      posts.add(
          Map.of(
              "id",
              p.id(),
              "from",
              p.from(),
              "to",
              p.to() == null ? "" : p.to(),
              "text",
              p.text()));
    }
    List<Object> tasks = new ArrayList<>();
    for (Task t : s.tasks().values()) {
      tasks.add(
          Map.of(
              "id", t.id(),
              "title", t.title(),
              "status", t.status().wire(),
              "owner", t.owner() == null ? "" : t.owner(),
              "result", t.result() == null ? "" : t.result()));
    }
    Map<String, Object> run =
        Map.of(
            "turns", (long) s.turnsGiven(),
            "round", (long) s.round(),
            "costUsd", s.usage().costUsd().doubleValue());
    return Map.of("artifacts", artifacts, "posts", posts, "tasks", tasks, "run", run);
  }
}

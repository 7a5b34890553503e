package io.statehouse.api.dto;

import io.statehouse.runtime.session.SessionStatus;
import io.statehouse.runtime.workspace.RunStatus;
import io.statehouse.runtime.workspace.Seat;
import io.statehouse.runtime.workspace.WorkspaceState;
import io.statehouse.runtime.workspace.WorkspaceState.MemberTurn;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the API shows of team runs: small view records made from a workspace's state, never the
 * state itself (DESIGN.md §7, "Contracts are not state").
 */
public final class WorkspaceViews {
  private WorkspaceViews() {}

  /** {@code POST /v1/teams/{name}/runs}: the run and where to follow it. */
  public record RunStartedView(String runId, String workspaceId, String status) {}

  /**
   * {@code GET /v1/workspaces/{id}}. {@code events}: how many events the workspace has, the last
   * one's number (a stream resumes after it).
   */
  public record WorkspaceView(
      String workspaceId,
      String runId,
      Views.AgentRef team,
      String pattern,
      String status,
      String reason,
      String input,
      Instant startedAt,
      Instant endedAt,
      Instant deadlineAt,
      List<MemberView> members,
      List<ArtifactView> artifacts,
      List<ArtifactVersionView> history,
      List<PostView> posts,
      List<TaskView> tasks,
      int turns,
      int round,
      Views.UsageView usage,
      long events) {}

  /**
   * A member: its role, agent, session and the session's status; {@code turns}: how many turns the
   * workspace gave it.
   */
  public record MemberView(
      String role, String agent, int agentVersion, String sessionId, String status, int turns) {}

  /** An artifact at its latest version (its content by {@code GET …/artifacts/{name}}). */
  public record ArtifactView(
      String name, int version, String contentType, String role, int chars, Instant updatedAt) {}

  /** {@code GET /v1/workspaces/{id}/artifacts/{name}}. */
  public record ArtifactContentView(
      String name, int version, String contentType, String role, String content) {}

  /** One write of an artifact, in the order they happened. */
  public record ArtifactVersionView(String name, int version, String role, String turnId) {}

  public record PostView(String id, String from, String to, String text, Instant at) {}

  public record TaskView(
      String id,
      String title,
      String detail,
      String from,
      String owner,
      String status,
      String claimedBy,
      String result) {}

  /**
   * The view of {@code s}; {@code memberStatus}: each member session's status, by session id, as
   * far as known (a running run whose member waits for a human shows {@code awaiting_approval}).
   */
  public static WorkspaceView workspace(WorkspaceState s, Map<String, SessionStatus> memberStatus) {
    boolean waiting =
        s.running()
            && memberStatus.values().stream()
                .anyMatch(
                    st ->
                        st == SessionStatus.AWAITING_APPROVAL
                            || st == SessionStatus.NEEDS_DECISION);
    return new WorkspaceView(
        s.workspaceId(),
        s.runId(),
        new Views.AgentRef(s.team().name(), s.team().version()),
        s.team().pattern().kind(),
        waiting ? "awaiting_approval" : s.status().wire(),
        s.reason(),
        s.input(),
        s.startedAt(),
        s.endedAt(),
        s.deadlineAt(),
        s.seats().stream().map(seat -> member(s, seat, memberStatus)).toList(),
        s.artifacts().values().stream()
            .map(
                a ->
                    new ArtifactView(
                        a.name(),
                        a.version(),
                        a.contentType(),
                        a.role(),
                        a.content().length(),
                        a.at()))
            .toList(),
        s.artifactLog().stream()
            .map(v -> new ArtifactVersionView(v.name(), v.version(), v.role(), v.turnId()))
            .toList(),
        s.posts().stream()
            .map(p -> new PostView(p.id(), p.from(), p.to(), p.text(), p.at()))
            .toList(),
        s.tasks().values().stream()
            .map(
                t ->
                    new TaskView(
                        t.id(),
                        t.title(),
                        t.detail(),
                        t.from(),
                        t.owner(),
                        t.status().wire(),
                        t.claimedBy(),
                        t.result()))
            .toList(),
        s.turnsGiven(),
        s.round(),
        Views.usage(s.usage()),
        s.events());
  }

  private static MemberView member(
      WorkspaceState s, Seat seat, Map<String, SessionStatus> memberStatus) {
    SessionStatus status = memberStatus.get(seat.sessionId());
    int turns =
        (int) s.deliveries().values().stream().filter(d -> d.role().equals(seat.role())).count();
    String shown;
    if (status != null) {
      shown = status.wire();
    } else if (s.membersClosed()) {
      shown = SessionStatus.CLOSED.wire();
    } else {
      boolean running =
          s.runningTurns().stream().map(MemberTurn::role).anyMatch(seat.role()::equals);
      shown = running ? SessionStatus.RUNNING.wire() : SessionStatus.IDLE.wire();
    }
    return new MemberView(
        seat.role(), seat.agent(), seat.agentVersion(), seat.sessionId(), shown, turns);
  }

  public static RunStartedView started(WorkspaceState s) {
    return new RunStartedView(
        s.runId(),
        s.workspaceId(),
        s.status() == null ? RunStatus.RUNNING.wire() : s.status().wire());
  }
}

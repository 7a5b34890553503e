package io.statehouse.runtime.workspace;

import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.audit.AuditChain;
import io.statehouse.runtime.catalog.TeamSpec;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.TurnStatus;
import io.statehouse.runtime.workspace.WorkspaceEvent.ArtifactPut;
import io.statehouse.runtime.workspace.WorkspaceEvent.Delivered;
import io.statehouse.runtime.workspace.WorkspaceEvent.DeliveryScheduled;
import io.statehouse.runtime.workspace.WorkspaceEvent.MemberTurnEnded;
import io.statehouse.runtime.workspace.WorkspaceEvent.MembersClosed;
import io.statehouse.runtime.workspace.WorkspaceEvent.PostAdded;
import io.statehouse.runtime.workspace.WorkspaceEvent.RunEnded;
import io.statehouse.runtime.workspace.WorkspaceEvent.RunStarted;
import io.statehouse.runtime.workspace.WorkspaceEvent.TaskAdded;
import io.statehouse.runtime.workspace.WorkspaceEvent.TaskClaimed;
import io.statehouse.runtime.workspace.WorkspaceEvent.TaskCompleted;
import io.statehouse.runtime.workspace.WorkspaceEvent.TurnJoined;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A team run's shared state, as its events make it: immutable, {@link #apply} returns the next
 * state. Collections keep the order things happened in.
 *
 * @param artifactLog every version of every artifact, without content: who wrote what in which turn
 * @param turns the member turns the workspace follows (those it delivered, and those that joined)
 * @param answers each tool call's answer by its idempotency key: a call run again gets it again
 * @param auditHead the hash of the last event
 * @param events how many events the workspace has persisted: the last one's sequence number
 */
public record WorkspaceState(
    String workspaceId,
    String runId,
    Principal owner,
    TeamSpec team,
    List<Seat> seats,
    String input,
    Instant startedAt,
    Instant deadlineAt,
    Map<String, Artifact> artifacts,
    List<ArtifactVersion> artifactLog,
    List<Post> posts,
    Map<String, Task> tasks,
    Map<String, Delivery> deliveries,
    Map<String, MemberTurn> turns,
    Map<String, String> answers,
    Usage usage,
    RunStatus status,
    String reason,
    Instant endedAt,
    boolean membersClosed,
    String auditHead,
    long events)
    implements CborSerializable {

  /** An artifact at its latest version. */
  public record Artifact(
      String name, int version, String content, String contentType, String role, Instant at)
      implements CborSerializable {}

  /** One version of an artifact: who wrote it, in which turn. */
  public record ArtifactVersion(String name, int version, String role, String turnId)
      implements CborSerializable {}

  public record Post(String id, String from, String to, String text, String turnId, Instant at)
      implements CborSerializable {}

  /** A task: {@code open}, {@code claimed} or {@code done}; {@code owner} is the role it is for. */
  public record Task(
      String id,
      String title,
      String detail,
      String from,
      String owner,
      TaskStatus status,
      String claimedBy,
      String result,
      String turnId,
      String completedInTurn)
      implements CborSerializable {

    Task claimed(String role) {
      return new Task(id, title, detail, from, owner, TaskStatus.CLAIMED, role, null, turnId, null);
    }

    Task done(String role, String taskResult, String inTurn) {
      return new Task(
          id, title, detail, from, owner, TaskStatus.DONE, role, taskResult, turnId, inTurn);
    }
  }

  /** A delivery to a member; {@code turnId} null until its session accepted it. */
  public record Delivery(
      String id, String role, String text, int round, boolean pipelineStep, String turnId)
      implements CborSerializable {
    public boolean pending() {
      return turnId == null;
    }
  }

  /**
   * A member turn the workspace follows; {@code status} null while it runs (or waits in the
   * member's queue).
   */
  public record MemberTurn(
      String turnId,
      String role,
      int round,
      boolean pipelineStep,
      TurnStatus status,
      String output,
      String error)
      implements CborSerializable {
    public boolean ended() {
      return status != null;
    }
  }

  public static WorkspaceState empty() {
    return new WorkspaceState(
        null,
        null,
        null,
        null,
        List.of(),
        null,
        null,
        null,
        Map.of(),
        List.of(),
        List.of(),
        Map.of(),
        Map.of(),
        Map.of(),
        Map.of(),
        Usage.ZERO,
        null,
        null,
        null,
        false,
        AuditChain.GENESIS,
        0);
  }

  public boolean exists() {
    return runId != null;
  }

  public boolean running() {
    return status == RunStatus.RUNNING;
  }

  public Optional<Seat> seat(String role) {
    return seats.stream().filter(s -> s.role().equals(role)).findFirst();
  }

  /** Deliveries no session has accepted yet, in the order they were scheduled. */
  public List<Delivery> pendingDeliveries() {
    return deliveries.values().stream().filter(Delivery::pending).toList();
  }

  /** Followed member turns still running (or queued), in the order they began. */
  public List<MemberTurn> runningTurns() {
    return turns.values().stream().filter(t -> !t.ended()).toList();
  }

  /** How many turns the workspace has given members (delivered or about to be). */
  public int turnsGiven() {
    return deliveries.size();
  }

  /** The deepest round any delivery reached. */
  public int round() {
    return deliveries.values().stream().mapToInt(Delivery::round).max().orElse(0);
  }

  public WorkspaceState apply(WorkspaceEvent event) {
    Next n = new Next(this);
    n.auditHead = AuditChain.hash(event);
    Instant at = event.meta().at();
    if (event instanceof RunStarted e) {
      n.workspaceId = e.workspaceId();
      n.runId = e.runId();
      n.owner = e.owner();
      n.team = e.team();
      n.seats = List.copyOf(e.seats());
      n.input = e.input();
      n.startedAt = at;
      n.deadlineAt = e.deadlineAt();
      n.status = RunStatus.RUNNING;
    } else if (event instanceof ArtifactPut e) {
      n.artifacts()
          .put(
              e.name(),
              new Artifact(e.name(), e.version(), e.content(), e.contentType(), e.role(), at));
      n.artifactLog().add(new ArtifactVersion(e.name(), e.version(), e.role(), e.turnId()));
      n.answer(e.key(), WorkspaceOps.artifactAnswer(e.name(), e.version()));
    } else if (event instanceof PostAdded e) {
      n.posts().add(new Post(e.postId(), e.from(), e.to(), e.text(), e.turnId(), at));
      n.answer(e.key(), WorkspaceOps.postAnswer(e.postId()));
    } else if (event instanceof TaskAdded e) {
      n.tasks()
          .put(
              e.taskId(),
              new Task(
                  e.taskId(),
                  e.title(),
                  e.detail(),
                  e.from(),
                  e.owner(),
                  TaskStatus.OPEN,
                  null,
                  null,
                  e.turnId(),
                  null));
      n.answer(e.key(), WorkspaceOps.taskAnswer(e.taskId(), TaskStatus.OPEN));
    } else if (event instanceof TaskClaimed e) {
      n.tasks().put(e.taskId(), tasks.get(e.taskId()).claimed(e.role()));
      n.answer(e.key(), WorkspaceOps.taskAnswer(e.taskId(), TaskStatus.CLAIMED));
    } else if (event instanceof TaskCompleted e) {
      n.tasks().put(e.taskId(), tasks.get(e.taskId()).done(e.role(), e.result(), e.turnId()));
      n.answer(e.key(), WorkspaceOps.taskAnswer(e.taskId(), TaskStatus.DONE));
    } else if (event instanceof TurnJoined e) {
      n.turns().put(e.turnId(), new MemberTurn(e.turnId(), e.role(), 1, false, null, null, null));
    } else if (event instanceof DeliveryScheduled e) {
      n.deliveries()
          .put(
              e.deliveryId(),
              new Delivery(e.deliveryId(), e.role(), e.text(), e.round(), e.pipelineStep(), null));
    } else if (event instanceof Delivered e) {
      Delivery d = deliveries.get(e.deliveryId());
      n.deliveries()
          .put(
              d.id(),
              new Delivery(d.id(), d.role(), d.text(), d.round(), d.pipelineStep(), e.turnId()));
      // a session that merged two deliveries under one key never happens: keys are per delivery.
      // The turn may have joined already (it wrote to the workspace before the session's answer
      // to the delivery arrived): it is the delivery's, with its round and pipeline step. It has
      // not ended: the workspace does not decide a joined turn's end while a delivery to its role
      // is unanswered (Workspace.recordEnd).
      MemberTurn joined = turns.get(e.turnId());
      if (joined == null || !joined.ended()) {
        n.turns()
            .put(
                e.turnId(),
                new MemberTurn(
                    e.turnId(), d.role(), d.round(), d.pipelineStep(), null, null, null));
      }
    } else if (event instanceof MemberTurnEnded e) {
      MemberTurn t = turns.get(e.turnId());
      int round = t == null ? 1 : t.round();
      boolean step = t != null && t.pipelineStep();
      String error =
          e.errorCode() == null
              ? null
              : e.errorCode() + (e.errorMessage() == null ? "" : ": " + e.errorMessage());
      n.turns()
          .put(
              e.turnId(),
              new MemberTurn(e.turnId(), e.role(), round, step, e.status(), e.output(), error));
      if (e.usage() != null) {
        n.usage = usage.plus(e.usage());
      }
    } else if (event instanceof RunEnded e) {
      n.status = e.status();
      n.reason = e.reason();
      n.endedAt = at;
    } else if (event instanceof MembersClosed) {
      n.membersClosed = true;
    }
    return n.build();
  }

  /** Copy-on-write: collections are copied only when an event changes them. */
  private static final class Next {
    private final WorkspaceState s;
    String workspaceId;
    String runId;
    Principal owner;
    TeamSpec team;
    List<Seat> seats;
    String input;
    Instant startedAt;
    Instant deadlineAt;
    private Map<String, Artifact> artifacts;
    private List<ArtifactVersion> artifactLog;
    private List<Post> posts;
    private Map<String, Task> tasks;
    private Map<String, Delivery> deliveries;
    private Map<String, MemberTurn> turns;
    private Map<String, String> answers;
    Usage usage;
    RunStatus status;
    String reason;
    Instant endedAt;
    boolean membersClosed;
    String auditHead;
    long events;

    Next(WorkspaceState s) {
      this.s = s;
      workspaceId = s.workspaceId;
      runId = s.runId;
      owner = s.owner;
      team = s.team;
      seats = s.seats;
      input = s.input;
      startedAt = s.startedAt;
      deadlineAt = s.deadlineAt;
      usage = s.usage;
      status = s.status;
      reason = s.reason;
      endedAt = s.endedAt;
      membersClosed = s.membersClosed;
      auditHead = s.auditHead;
      events = s.events + 1;
    }

    Map<String, Artifact> artifacts() {
      return artifacts == null ? artifacts = new LinkedHashMap<>(s.artifacts) : artifacts;
    }

    List<ArtifactVersion> artifactLog() {
      return artifactLog == null ? artifactLog = new ArrayList<>(s.artifactLog) : artifactLog;
    }

    List<Post> posts() {
      return posts == null ? posts = new ArrayList<>(s.posts) : posts;
    }

    Map<String, Task> tasks() {
      return tasks == null ? tasks = new LinkedHashMap<>(s.tasks) : tasks;
    }

    Map<String, Delivery> deliveries() {
      return deliveries == null ? deliveries = new LinkedHashMap<>(s.deliveries) : deliveries;
    }

    Map<String, MemberTurn> turns() {
      return turns == null ? turns = new LinkedHashMap<>(s.turns) : turns;
    }

    void answer(String key, String answer) {
      if (key != null) {
        if (answers == null) {
          answers = new LinkedHashMap<>(s.answers);
        }
        answers.put(key, answer);
      }
    }

    WorkspaceState build() {
      return new WorkspaceState(
          workspaceId,
          runId,
          owner,
          team,
          seats,
          input,
          startedAt,
          deadlineAt,
          artifacts == null ? s.artifacts : ordered(artifacts),
          artifactLog == null ? s.artifactLog : List.copyOf(artifactLog),
          posts == null ? s.posts : List.copyOf(posts),
          tasks == null ? s.tasks : ordered(tasks),
          deliveries == null ? s.deliveries : ordered(deliveries),
          turns == null ? s.turns : ordered(turns),
          answers == null ? s.answers : ordered(answers),
          usage,
          status,
          reason,
          endedAt,
          membersClosed,
          auditHead,
          events);
    }

    /** An unmodifiable view that keeps insertion order (Map.copyOf would not). */
    private static <V> Map<String, V> ordered(Map<String, V> m) {
      return java.util.Collections.unmodifiableMap(m);
    }
  }
}

package io.statehouse.runtime.workspace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.statehouse.runtime.catalog.TeamSpec;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.workspace.WorkspaceEvent.ArtifactPut;
import io.statehouse.runtime.workspace.WorkspaceEvent.PostAdded;
import io.statehouse.runtime.workspace.WorkspaceEvent.TaskAdded;
import io.statehouse.runtime.workspace.WorkspaceEvent.TaskClaimed;
import io.statehouse.runtime.workspace.WorkspaceEvent.TaskCompleted;
import io.statehouse.runtime.workspace.WorkspaceEvent.TurnJoined;
import io.statehouse.runtime.workspace.WorkspaceState.Artifact;
import io.statehouse.runtime.workspace.WorkspaceState.Post;
import io.statehouse.runtime.workspace.WorkspaceState.Task;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The workspace tools a member calls, decided in pure code: each either adds its events to a batch
 * and answers (JSON the model sees), or is refused with a code and a message the model can act on.
 * A call whose idempotency key the workspace has seen gets the answer it got then, and writes
 * nothing: the tools are idempotent, so a member's crashed call is simply run again.
 */
final class WorkspaceOps {
  static final String READ = "workspace_read";
  static final String PUT_ARTIFACT = "workspace_put_artifact";
  static final String POST = "workspace_post";
  static final String CLAIM_TASK = "workspace_claim_task";
  static final String COMPLETE_TASK = "workspace_complete_task";
  static final String HANDOFF = "workspace_handoff";

  static final List<String> ALL =
      List.of(READ, PUT_ARTIFACT, POST, CLAIM_TASK, COMPLETE_TASK, HANDOFF);

  static final Pattern ARTIFACT_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
  private static final int MAX_CONTENT_TYPE = 100;

  private WorkspaceOps() {}

  /** What a call comes to: an answer (its events already in the batch), or a refusal. */
  sealed interface Outcome {}

  record Answer(String json) implements Outcome {}

  record Refused(String code, String message) implements Outcome {}

  /** A member's call of {@code op}, as {@code role}, from its session's turn {@code turnId}. */
  record Call(
      String op, String role, String sessionId, String turnId, String key, JsonNode input) {}

  static Outcome run(WorkspaceBatch b, Call c, WorkspaceSettings limits) {
    WorkspaceState s = b.state();
    if (!s.exists()) {
      return new Refused("workspace_not_found", "there is no team run in this workspace");
    }
    if (s.seat(c.role()).filter(seat -> seat.sessionId().equals(c.sessionId())).isEmpty()) {
      return new Refused(
          "not_a_member", "this session does not play role " + c.role() + " in this run");
    }
    if (c.op().equals(READ)) {
      return read(s, c, limits);
    }
    if (c.key() != null && s.answers().containsKey(c.key())) {
      return new Answer(s.answers().get(c.key()));
    }
    if (!s.running()) {
      return new Refused(
          "run_ended",
          "the team run has ended (" + s.status().wire() + "): nothing more is written");
    }
    return switch (c.op()) {
      case PUT_ARTIFACT -> putArtifact(b, c, limits);
      case POST -> post(b, c, limits);
      case HANDOFF -> handoff(b, c, limits);
      case CLAIM_TASK -> claim(b, c);
      case COMPLETE_TASK -> complete(b, c, limits);
      default -> new Refused("unknown_operation", "no workspace operation " + c.op());
    };
  }

  // ---- writes ---------------------------------------------------------------------------------

  private static Outcome putArtifact(WorkspaceBatch b, Call c, WorkspaceSettings limits) {
    WorkspaceState s = b.state();
    String name = text(c.input(), "name");
    String content = text(c.input(), "content");
    String contentType = text(c.input(), "contentType");
    JsonNode expected = c.input().get("expectedVersion");
    if (name == null || !ARTIFACT_NAME.matcher(name).matches()) {
      return invalid("name must be 1 to 128 letters, digits, '.', '_' or '-'");
    }
    if (content == null) {
      return invalid("content is required");
    }
    if (expected == null || !expected.canConvertToInt() || expected.asInt() < 0) {
      return invalid(
          "expectedVersion is required: the version you read (0 for a new artifact), so that a"
              + " write never overwrites one you have not seen");
    }
    if (content.length() > limits.maxArtifactChars()) {
      return new Refused(
          "too_large",
          "content has " + content.length() + " characters; at most " + limits.maxArtifactChars());
    }
    if (contentType != null && contentType.length() > MAX_CONTENT_TYPE) {
      return invalid("contentType is longer than " + MAX_CONTENT_TYPE + " characters");
    }
    Artifact current = s.artifacts().get(name);
    int currentVersion = current == null ? 0 : current.version();
    if (expected.asInt() != currentVersion) {
      return new Refused(
          "stale_version",
          "artifact '"
              + name
              + "' is at version "
              + currentVersion
              + ", not "
              + expected.asInt()
              + (currentVersion == 0
                  ? ": it does not exist yet; write it with expectedVersion 0"
                  : " (last written by "
                      + current.role()
                      + "); read it, then write with expectedVersion "
                      + currentVersion));
    }
    if (current == null && s.artifacts().size() >= limits.maxArtifacts()) {
      return new Refused(
          "too_many", "the workspace holds " + limits.maxArtifacts() + " artifacts, its limit");
    }
    join(b, c);
    b.add(
        new ArtifactPut(
            b.meta(actor(c)),
            name,
            currentVersion + 1,
            content,
            contentType == null ? "text/plain" : contentType,
            c.role(),
            c.turnId(),
            c.key()));
    return new Answer(artifactAnswer(name, currentVersion + 1));
  }

  private static Outcome post(WorkspaceBatch b, Call c, WorkspaceSettings limits) {
    WorkspaceState s = b.state();
    String text = text(c.input(), "text");
    String to = text(c.input(), "to");
    if (text == null || text.isBlank()) {
      return invalid("text is required");
    }
    if (text.length() > limits.maxPostChars()) {
      return new Refused(
          "too_large",
          "text has " + text.length() + " characters; at most " + limits.maxPostChars());
    }
    if (to != null && !to.isEmpty() && s.seat(to).isEmpty()) {
      return unknownRole(s, to);
    }
    if (s.posts().size() >= limits.maxPosts()) {
      return new Refused("too_many", "the board holds " + limits.maxPosts() + " posts, its limit");
    }
    join(b, c);
    String id = newId("post_");
    b.add(
        new PostAdded(
            b.meta(actor(c)),
            id,
            c.role(),
            to == null || to.isEmpty() ? null : to,
            text,
            c.turnId(),
            c.key()));
    return new Answer(postAnswer(id));
  }

  private static Outcome handoff(WorkspaceBatch b, Call c, WorkspaceSettings limits) {
    WorkspaceState s = b.state();
    String to = text(c.input(), "to");
    String title = text(c.input(), "title");
    String detail = text(c.input(), "detail");
    if (to == null || s.seat(to).isEmpty()) {
      return unknownRole(s, to);
    }
    if (to.equals(c.role())) {
      return invalid("a member cannot hand work to itself");
    }
    if (s.team().pattern() instanceof TeamSpec.Supervisor sup) {
      if (!c.role().equals(s.team().entry())) {
        return new Refused(
            "not_the_supervisor",
            "only the supervisor (" + s.team().entry() + ") hands off work in this team");
      }
      if (!sup.delegates().isEmpty() && !sup.delegates().contains(to)) {
        return new Refused(
            "not_a_delegate",
            "the supervisor may hand off to " + sup.delegates() + " only, not to " + to);
      }
    }
    if (title == null || title.isBlank()) {
      return invalid("title is required");
    }
    if (title.length() > limits.maxTitleChars()) {
      return new Refused(
          "too_large", "title is longer than " + limits.maxTitleChars() + " characters");
    }
    if (detail != null && detail.length() > limits.maxPostChars()) {
      return new Refused(
          "too_large",
          "detail has " + detail.length() + " characters; at most " + limits.maxPostChars());
    }
    if (s.tasks().size() >= limits.maxTasks()) {
      return new Refused("too_many", "the workspace holds " + limits.maxTasks() + " tasks");
    }
    join(b, c);
    String id = newId("task_");
    b.add(new TaskAdded(b.meta(actor(c)), id, title, detail, c.role(), to, c.turnId(), c.key()));
    return new Answer(taskAnswer(id, TaskStatus.OPEN));
  }

  private static Outcome claim(WorkspaceBatch b, Call c) {
    Task t = b.state().tasks().get(text(c.input(), "taskId"));
    if (t == null) {
      return new Refused("task_not_found", "no task " + text(c.input(), "taskId"));
    }
    if (t.owner() != null && !t.owner().equals(c.role())) {
      return new Refused("task_not_yours", "task " + t.id() + " is for " + t.owner());
    }
    if (t.status() != TaskStatus.OPEN) {
      return new Refused(
          "task_taken",
          "task " + t.id() + " is " + t.status().wire() + " (by " + t.claimedBy() + ")");
    }
    join(b, c);
    b.add(new TaskClaimed(b.meta(actor(c)), t.id(), c.role(), c.key()));
    return new Answer(taskAnswer(t.id(), TaskStatus.CLAIMED));
  }

  private static Outcome complete(WorkspaceBatch b, Call c, WorkspaceSettings limits) {
    Task t = b.state().tasks().get(text(c.input(), "taskId"));
    String result = text(c.input(), "result");
    if (t == null) {
      return new Refused("task_not_found", "no task " + text(c.input(), "taskId"));
    }
    if (t.status() == TaskStatus.DONE) {
      return new Refused("task_done", "task " + t.id() + " is already done");
    }
    boolean mine =
        t.status() == TaskStatus.CLAIMED
            ? c.role().equals(t.claimedBy())
            : t.owner() == null || t.owner().equals(c.role());
    if (!mine) {
      return new Refused(
          "task_not_yours",
          "task "
              + t.id()
              + " is "
              + (t.status() == TaskStatus.CLAIMED
                  ? "claimed by " + t.claimedBy()
                  : "for " + t.owner()));
    }
    if (result != null && result.length() > limits.maxPostChars()) {
      return new Refused(
          "too_large",
          "result has " + result.length() + " characters; at most " + limits.maxPostChars());
    }
    join(b, c);
    b.add(new TaskCompleted(b.meta(actor(c)), t.id(), c.role(), result, c.turnId(), c.key()));
    return new Answer(taskAnswer(t.id(), TaskStatus.DONE));
  }

  /**
   * A write from a turn the workspace does not follow (a message sent to the member directly) makes
   * it follow that turn, so that what the turn wrote is passed on when it ends.
   */
  private static void join(WorkspaceBatch b, Call c) {
    if (c.turnId() != null && !b.state().turns().containsKey(c.turnId())) {
      b.add(new TurnJoined(b.meta("runtime"), c.role(), c.turnId()));
    }
  }

  // ---- read -----------------------------------------------------------------------------------

  private static Outcome read(WorkspaceState s, Call c, WorkspaceSettings limits) {
    String name = text(c.input(), "artifact");
    if (name != null) {
      Artifact a = s.artifacts().get(name);
      if (a == null) {
        return new Refused(
            "artifact_not_found",
            "no artifact '" + name + "'; the workspace has " + s.artifacts().keySet());
      }
      ObjectNode out = Json.MAPPER.createObjectNode();
      out.put("name", a.name())
          .put("version", a.version())
          .put("contentType", a.contentType())
          .put("role", a.role())
          .put("content", a.content());
      return new Answer(out.toString());
    }
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("you", c.role());
    out.put("team", s.team().name());
    out.put("status", s.status().wire());
    ArrayNode artifacts = out.putArray("artifacts");
    for (Artifact a : s.artifacts().values()) {
      artifacts
          .addObject()
          .put("name", a.name())
          .put("version", a.version())
          .put("contentType", a.contentType())
          .put("role", a.role())
          .put("chars", a.content().length());
    }
    List<Post> mine =
        s.posts().stream()
            .filter(p -> p.to() == null || p.to().equals(c.role()) || p.from().equals(c.role()))
            .toList();
    ArrayNode posts = out.putArray("posts");
    for (Post p : mine.subList(Math.max(0, mine.size() - limits.readItems()), mine.size())) {
      ObjectNode o = posts.addObject().put("id", p.id()).put("from", p.from());
      if (p.to() != null) {
        o.put("to", p.to());
      }
      o.put("text", p.text());
    }
    List<Task> tasks = List.copyOf(s.tasks().values());
    ArrayNode taskList = out.putArray("tasks");
    for (Task t : tasks.subList(Math.max(0, tasks.size() - limits.readItems()), tasks.size())) {
      ObjectNode o =
          taskList
              .addObject()
              .put("id", t.id())
              .put("title", t.title())
              .put("status", t.status().wire())
              .put("from", t.from())
              .put("for", t.owner());
      if (t.detail() != null) {
        o.put("detail", t.detail());
      }
      if (t.result() != null) {
        o.put("result", t.result());
      }
    }
    out.put(
        "hint", "read one artifact's content with {\"artifact\": name}; write with its version");
    return new Answer(out.toString());
  }

  // ---- answers (kept by key, so they must be the same for the same event) ---------------------

  static String artifactAnswer(String name, int version) {
    return Json.MAPPER.createObjectNode().put("name", name).put("version", version).toString();
  }

  static String postAnswer(String postId) {
    return Json.MAPPER.createObjectNode().put("postId", postId).toString();
  }

  static String taskAnswer(String taskId, TaskStatus status) {
    return Json.MAPPER
        .createObjectNode()
        .put("taskId", taskId)
        .put("status", status.wire())
        .toString();
  }

  private static Refused invalid(String why) {
    return new Refused("invalid_input", why);
  }

  private static Refused unknownRole(WorkspaceState s, String role) {
    return new Refused(
        "unknown_role",
        "no role " + (role == null ? "given" : role) + "; the team has " + s.team().roles());
  }

  private static String actor(Call c) {
    return "member:" + c.role();
  }

  private static String text(JsonNode input, String field) {
    JsonNode v = input == null ? null : input.get(field);
    return v == null || v.isNull() ? null : v.isTextual() ? v.asText() : v.toString();
  }

  private static String newId(String prefix) {
    return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  }
}

package io.statehouse.runtime.workspace;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.Multitask;
import io.statehouse.runtime.catalog.RetryPolicy;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.catalog.WorkspaceTarget;
import io.statehouse.runtime.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The tools the runtime gives every member of a team run: the only way a member reaches its
 * workspace. Their specs are pinned into the member's session when the run opens it, each bound to
 * the workspace and the member's role. They are idempotent (the workspace keeps each call's answer
 * by its idempotency key), so a call a crash interrupted is run again, never left unknown.
 */
public final class WorkspaceTools {
  private static final Map<String, String> DESCRIPTIONS =
      Map.of(
          WorkspaceOps.READ,
          "Read the team workspace: without arguments, a list of artifacts (name, version), the"
              + " posts addressed to you and the tasks; with {\"artifact\": name}, that artifact's"
              + " content and version.",
          WorkspaceOps.PUT_ARTIFACT,
          "Write an artifact. expectedVersion is the version you read (0 for a new artifact); if"
              + " someone wrote it since, the write is refused with the current version.",
          WorkspaceOps.POST,
          "Post a message on the team board, addressed to a role (it gets it as a new turn when"
              + " your turn ends) or to nobody in particular.",
          WorkspaceOps.CLAIM_TASK,
          "Claim an open task, so that nobody else works on it.",
          WorkspaceOps.COMPLETE_TASK,
          "Complete a task you were given or claimed, with its result.",
          WorkspaceOps.HANDOFF,
          "Hand work to another role: it becomes an open task for that role, who gets it as a new"
              + " turn when your turn ends.");

  private static final Map<String, JsonNode> SCHEMAS =
      Map.of(
          WorkspaceOps.READ,
          schema(
              "{\"type\":\"object\",\"properties\":{\"artifact\":{\"type\":\"string\","
                  + "\"maxLength\":128}},\"additionalProperties\":false}"),
          WorkspaceOps.PUT_ARTIFACT,
          schema(
              "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":128},"
                  + "\"content\":{\"type\":\"string\"},\"contentType\":{\"type\":\"string\","
                  + "\"maxLength\":100},\"expectedVersion\":{\"type\":\"integer\",\"minimum\":0}},"
                  + "\"required\":[\"name\",\"content\",\"expectedVersion\"],"
                  + "\"additionalProperties\":false}"),
          WorkspaceOps.POST,
          schema(
              "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"},"
                  + "\"to\":{\"type\":\"string\",\"maxLength\":64}},\"required\":[\"text\"],"
                  + "\"additionalProperties\":false}"),
          WorkspaceOps.CLAIM_TASK,
          schema(
              "{\"type\":\"object\",\"properties\":{\"taskId\":{\"type\":\"string\","
                  + "\"maxLength\":64}},\"required\":[\"taskId\"],\"additionalProperties\":false}"),
          WorkspaceOps.COMPLETE_TASK,
          schema(
              "{\"type\":\"object\",\"properties\":{\"taskId\":{\"type\":\"string\","
                  + "\"maxLength\":64},\"result\":{\"type\":\"string\"}},"
                  + "\"required\":[\"taskId\",\"result\"],\"additionalProperties\":false}"),
          WorkspaceOps.HANDOFF,
          schema(
              "{\"type\":\"object\",\"properties\":{\"to\":{\"type\":\"string\",\"maxLength\":64},"
                  + "\"title\":{\"type\":\"string\"},\"detail\":{\"type\":\"string\"}},"
                  + "\"required\":[\"to\",\"title\"],\"additionalProperties\":false}"));

  private WorkspaceTools() {}

  /** The names a model sees, in a fixed order. */
  public static List<String> names() {
    return WorkspaceOps.ALL;
  }

  /** The specs of the workspace tools of {@code role} in workspace {@code workspaceId}. */
  public static List<ToolSpec> specs(String workspaceId, String role, WorkspaceSettings settings) {
    List<ToolSpec> out = new ArrayList<>();
    for (String op : WorkspaceOps.ALL) {
      out.add(
          ToolSpec.of(
              op,
              1,
              DESCRIPTIONS.get(op),
              SCHEMAS.get(op),
              true,
              settings.toolTimeout(),
              // the workspace may be moving to another node: a few quick tries
              new RetryPolicy(3, settings.retryMin(), settings.retryMax()),
              new WorkspaceTarget(workspaceId, role, op)));
    }
    return out;
  }

  /**
   * The agent a member's session runs: {@code agent} with the workspace tools on its allowlist and
   * its messages queued (the workspace delivers work through the member's durable inbox, never into
   * a running turn).
   */
  public static AgentSpec memberAgent(AgentSpec agent) {
    LinkedHashSet<String> tools = new LinkedHashSet<>(agent.tools());
    tools.addAll(WorkspaceOps.ALL);
    return agent.withTools(List.copyOf(tools)).withMultitask(Multitask.ENQUEUE);
  }

  /** The tools a member's session pins: its agent's, then the workspace's. */
  public static List<ToolSpec> memberTools(
      List<ToolSpec> agentTools, String workspaceId, String role, WorkspaceSettings settings) {
    List<ToolSpec> out = new ArrayList<>();
    for (ToolSpec t : agentTools) {
      if (!WorkspaceOps.ALL.contains(t.name())) {
        out.add(t);
      }
    }
    out.addAll(specs(workspaceId, role, settings));
    return out;
  }

  private static JsonNode schema(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("bad built-in schema", e);
    }
  }
}

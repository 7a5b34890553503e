package io.statehouse.runtime.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.statehouse.runtime.Principal;
import java.util.Objects;

/**
 * What a policy expression sees about one tool call. Each component is one CEL variable of the same
 * name; docs/governance.md ("Variables") lists their fields.
 *
 * @param principal who started the turn
 * @param input the call's arguments as the model gave them (a JSON object)
 */
public record PolicyFacts(
    Principal principal, Agent agent, Tool tool, JsonNode input, Session session) {

  public PolicyFacts {
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(tool, "tool");
    Objects.requireNonNull(session, "session");
    input = input == null ? MissingNode.getInstance() : input;
  }

  /** The agent whose session asks for the call, at the version the session runs. */
  public record Agent(String name, int version) {
    public Agent {
      Objects.requireNonNull(name, "name");
    }
  }

  /** The tool asked for, at the version the session pinned. */
  public record Tool(String name, int version, boolean idempotent) {
    public Tool {
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * Usage so far.
   *
   * @param totalTokens input plus output tokens over the session's life
   * @param costUsd spend over the session's life
   * @param modelCalls model calls in this turn
   * @param toolCalls tool calls in this session before this one
   */
  public record Session(
      String id, String turnId, long totalTokens, double costUsd, int modelCalls, int toolCalls) {
    public Session {
      id = id == null ? "" : id;
      turnId = turnId == null ? "" : turnId;
    }
  }
}

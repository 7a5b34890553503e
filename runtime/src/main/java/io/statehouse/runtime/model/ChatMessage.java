package io.statehouse.runtime.model;

import io.statehouse.runtime.CborSerializable;
import java.util.List;
import java.util.Objects;

/**
 * One message of a conversation, provider-neutral. A user message has text; an assistant message
 * has text and/or tool uses; a tool message carries the results of the previous assistant message's
 * tool uses, in the order they were asked for.
 */
public record ChatMessage(
    Role role, String text, List<ToolUse> toolUses, List<ToolResultBlock> toolResults)
    implements CborSerializable {

  public enum Role {
    USER,
    ASSISTANT,
    TOOL
  }

  public ChatMessage {
    Objects.requireNonNull(role, "role");
    toolUses = toolUses == null ? List.of() : List.copyOf(toolUses);
    toolResults = toolResults == null ? List.of() : List.copyOf(toolResults);
  }

  public static ChatMessage user(String text) {
    return new ChatMessage(Role.USER, text, List.of(), List.of());
  }

  public static ChatMessage assistant(String text, List<ToolUse> toolUses) {
    return new ChatMessage(Role.ASSISTANT, text, toolUses, List.of());
  }

  public static ChatMessage toolResults(List<ToolResultBlock> results) {
    return new ChatMessage(Role.TOOL, null, List.of(), results);
  }
}

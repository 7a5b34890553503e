package io.statehouse.runtime.model;

import io.statehouse.runtime.CborSerializable;
import java.util.List;

/** A model's answer: text, tool uses (possibly both), why it stopped, and what it cost. */
public record ModelReply(String text, List<ToolUse> toolUses, String stopReason, Usage usage)
    implements CborSerializable {
  public ModelReply {
    toolUses = toolUses == null ? List.of() : List.copyOf(toolUses);
    usage = usage == null ? Usage.ZERO : usage;
  }

  public boolean wantsTools() {
    return !toolUses.isEmpty();
  }
}

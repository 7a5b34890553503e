package io.statehouse.runtime.model;

import io.statehouse.runtime.catalog.ModelSpec;
import java.util.List;

/**
 * Everything a provider needs for one call: the agent's model settings and instructions, the whole
 * conversation so far, and the tools the model may ask for.
 */
public record ModelRequest(
    ModelSpec model, String instructions, List<ChatMessage> messages, List<ToolDescriptor> tools) {
  public ModelRequest {
    messages = List.copyOf(messages);
    tools = List.copyOf(tools);
  }
}

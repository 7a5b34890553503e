package io.statehouse.runtime.model;

import io.statehouse.runtime.catalog.ModelSpec;
import java.util.Collections;
import java.util.List;

/**
 * Everything a provider needs for one call: the agent's model settings and instructions, the whole
 * conversation so far, and the tools the model may ask for. {@code messages} is the session's own
 * immutable conversation, passed as is: copying it on every call would cost time in its length.
 */
public record ModelRequest(
    ModelSpec model, String instructions, List<ChatMessage> messages, List<ToolDescriptor> tools) {
  public ModelRequest {
    messages = Collections.unmodifiableList(messages);
    tools = List.copyOf(tools);
  }
}

package io.statehouse.runtime.model;

import io.statehouse.runtime.catalog.ModelSpec;
import java.util.Collections;
import java.util.List;

/**
 * Everything a provider needs for one call: the agent's model settings and instructions, the whole
 * conversation so far, and the tools the model may ask for. {@code messages} is the session's own
 * immutable conversation, passed as is: copying it on every call would cost time in its length.
 * {@code tenant} is the session's tenant: a provider that calls an address the agent names checks
 * it against that tenant's egress rules (null outside a session: tests, tools).
 */
public record ModelRequest(
    ModelSpec model,
    String instructions,
    List<ChatMessage> messages,
    List<ToolDescriptor> tools,
    String tenant) {
  public ModelRequest {
    messages = Collections.unmodifiableList(messages);
    tools = List.copyOf(tools);
  }

  public ModelRequest(
      ModelSpec model,
      String instructions,
      List<ChatMessage> messages,
      List<ToolDescriptor> tools) {
    this(model, instructions, messages, tools, null);
  }
}

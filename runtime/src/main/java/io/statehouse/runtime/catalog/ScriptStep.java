package io.statehouse.runtime.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.CborSerializable;
import java.util.List;

/** One reply of the scripted model: some text, some tool calls, or both. */
public record ScriptStep(String text, List<Call> toolCalls) implements CborSerializable {
  public ScriptStep {
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
  }

  /** A tool call the scripted model asks for. */
  public record Call(String name, JsonNode input) implements CborSerializable {}
}

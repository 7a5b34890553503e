package io.statehouse.runtime.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.statehouse.runtime.CborSerializable;

/**
 * A piece of a model's answer as it is generated, before the whole reply exists. Deltas are for
 * live clients only: they are never persisted, and the reply that completes the call carries
 * everything they did. They cross the cluster to the nodes of watching clients, tagged by kind.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
  @JsonSubTypes.Type(value = ModelDelta.Text.class, name = "text"),
  @JsonSubTypes.Type(value = ModelDelta.ToolInput.class, name = "tool_input")
})
public sealed interface ModelDelta extends CborSerializable {

  /**
   * The sink of a call nobody can watch: a provider may skip rendering pieces for it (the scripted
   * model does), since they would go nowhere.
   */
  java.util.function.Consumer<ModelDelta> DISCARD = delta -> {};

  /** The next piece of the answer's text. */
  record Text(String text) implements ModelDelta {}

  /**
   * The next piece of the JSON input of tool use {@code toolUseId} (tool {@code tool}) as the model
   * writes it: the pieces of one use, joined in order, are its input. Not valid JSON on its own.
   */
  record ToolInput(String toolUseId, String tool, String json) implements ModelDelta {}
}

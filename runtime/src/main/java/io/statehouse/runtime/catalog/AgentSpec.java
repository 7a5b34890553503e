package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import java.util.List;
import java.util.Objects;

/**
 * A registered agent at one version: its instructions, model, the tools it may call and its limits.
 * A session runs exactly the version it was opened with.
 */
public record AgentSpec(
    String name,
    int version,
    String description,
    String instructions,
    ModelSpec model,
    List<String> tools,
    Limits limits)
    implements CborSerializable {

  public AgentSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(limits, "limits");
    description = description == null ? "" : description;
    instructions = instructions == null ? "" : instructions;
    tools = tools == null ? List.of() : List.copyOf(tools);
  }

  public AgentSpec withVersion(int newVersion) {
    return new AgentSpec(name, newVersion, description, instructions, model, tools, limits);
  }

  public boolean sameDefinitionAs(AgentSpec other) {
    return withVersion(0).equals(other.withVersion(0));
  }
}

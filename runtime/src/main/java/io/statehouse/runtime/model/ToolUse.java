package io.statehouse.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.CborSerializable;

/** A model's request to call a tool; {@code id} is unique within the session. */
public record ToolUse(String id, String name, JsonNode input) implements CborSerializable {}

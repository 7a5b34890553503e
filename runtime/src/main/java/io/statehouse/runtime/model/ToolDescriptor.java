package io.statehouse.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;

/** A tool as the model sees it: name, description and input schema. */
public record ToolDescriptor(String name, String description, JsonNode inputSchema) {}

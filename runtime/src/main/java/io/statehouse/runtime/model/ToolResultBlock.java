package io.statehouse.runtime.model;

import io.statehouse.runtime.CborSerializable;

/** What the model is told about one tool use: the tool's output, or an error text. */
public record ToolResultBlock(String toolUseId, String content, boolean error)
    implements CborSerializable {}

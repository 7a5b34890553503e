package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import java.util.Objects;

/**
 * A tool that runs inside the node: tool {@code tool} of the {@code ToolProvider} named {@code
 * provider}, found on the node's class path at start.
 */
public record BuiltinTarget(String provider, String tool) implements CborSerializable, ToolTarget {
  public BuiltinTarget {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(tool, "tool");
  }
}

package io.statehouse.runtime.tool.egress;

/** Whether a call may leave the node, as {@link EgressGuard#admit} decides it. */
public sealed interface Admission {

  /** Every address the host resolved to is allowed: connect. */
  record Admitted() implements Admission {}

  /** The egress policy refuses the destination; {@code message} says which rule. */
  record Refused(String message) implements Admission {}

  /** The host could not be resolved in time (or lookups are saturated): nothing was sent. */
  record Unresolved(String message) implements Admission {}
}

package io.statehouse.runtime.telemetry;

import java.util.Locale;

/** How a tool call the model asked for ended, as the {@code outcome} label of tool-call metrics. */
public enum ToolOutcome {
  /** The tool answered with a result. */
  SUCCEEDED,
  /** It failed for good, or never ran (unknown tool, invalid arguments). */
  FAILED,
  /** Refused before running: not on the agent's allowlist, a policy, or a human's denial. */
  DENIED,
  /** A non-idempotent call may or may not have acted; a human decides. */
  OUTCOME_UNKNOWN;

  /** The label value. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}

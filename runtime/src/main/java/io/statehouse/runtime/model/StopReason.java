package io.statehouse.runtime.model;

import java.util.Locale;

/**
 * Why a model stopped answering, in the Converse vocabulary every provider maps onto ({@code
 * ModelReply.stopReason} and events keep the wire form). The turn acts on it: tool uses run only
 * after a complete answer, a provider's guardrail or content filter ends the turn, a cut answer is
 * kept but marked.
 */
public enum StopReason {
  END_TURN,
  TOOL_USE,
  MAX_TOKENS,
  STOP_SEQUENCE,
  GUARDRAIL_INTERVENED,
  CONTENT_FILTERED,
  /** Anything else a provider says (or nothing): treated as a complete answer. */
  OTHER;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static StopReason of(String wire) {
    if (wire == null) {
      return OTHER;
    }
    return switch (wire) {
      case "end_turn" -> END_TURN;
      case "tool_use" -> TOOL_USE;
      case "max_tokens" -> MAX_TOKENS;
      case "stop_sequence" -> STOP_SEQUENCE;
      case "guardrail_intervened" -> GUARDRAIL_INTERVENED;
      case "content_filtered" -> CONTENT_FILTERED;
      default -> OTHER;
    };
  }

  /**
   * The provider itself refused to answer: its guardrail intervened or its filter caught output.
   */
  public boolean providerRefused() {
    return this == GUARDRAIL_INTERVENED || this == CONTENT_FILTERED;
  }
}

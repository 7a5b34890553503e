package io.statehouse.runtime.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.catalog.Limits;
import io.statehouse.runtime.catalog.ModelSpec;
import io.statehouse.runtime.catalog.ToolSpec;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.Price;
import io.statehouse.runtime.model.Prices;
import io.statehouse.runtime.model.ToolResultBlock;
import io.statehouse.runtime.model.ToolUse;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * Whether the turn's next model call may be made under the agent's limits: a pure function of the
 * state, the limits and the price table. Token and cost bounds are checked against what the session
 * (or turn) has used plus an estimate of the call: its input from the request's size (a token per
 * {@value #CHARS_PER_TOKEN} characters of instructions, messages and tool definitions, the usual
 * rule of thumb for English text and JSON) and its output at most the model's {@code maxTokens}
 * option when it has one. A call that would cross a bound is not made.
 */
final class CallBudget {
  static final int CHARS_PER_TOKEN = 4;

  /** Why the call may not be made: a TurnFailed code and message. */
  record Breach(String code, String message) {}

  private CallBudget() {}

  static Optional<Breach> check(SessionState s, int step, Prices prices) {
    Limits limits = s.agent().limits();
    if (step > limits.maxStepsPerTurn()) {
      return breach(
          "max_steps_exceeded",
          "the turn reached maxStepsPerTurn (" + limits.maxStepsPerTurn() + " model calls)");
    }
    if (!limits.boundsSpend()) {
      return Optional.empty();
    }
    long input = estimatedInputTokens(s);
    long output = maxOutputTokens(s.agent().model());
    String estimate =
        "the call is estimated at "
            + input
            + " input tokens from the request's size"
            + (output > 0 ? " plus up to " + output + " output tokens (model.maxTokens)" : "");
    long sessionTokens = s.usage().totalTokens();
    if (limits.maxTokensPerSession() > 0
        && sessionTokens + input + output > limits.maxTokensPerSession()) {
      return breach(
          "token_limit_exceeded",
          "the next model call would take the session past maxTokensPerSession "
              + limits.maxTokensPerSession()
              + ": it has used "
              + sessionTokens
              + " tokens and "
              + estimate);
    }
    long turnTokens = s.turn().usage().totalTokens();
    if (limits.maxTokensPerTurn() > 0 && turnTokens + input + output > limits.maxTokensPerTurn()) {
      return breach(
          "token_limit_exceeded",
          "the next model call would take the turn past maxTokensPerTurn "
              + limits.maxTokensPerTurn()
              + ": it has used "
              + turnTokens
              + " tokens and "
              + estimate);
    }
    if (limits.maxCostUsd() != null) {
      Optional<Price> price = prices.of(s.agent().model());
      if (price.isEmpty()) {
        return breach(
            "cost_limit_exceeded",
            "the agent has maxCostUsd but this node has no price for "
                + s.agent().model().provider()
                + " model "
                + s.agent().model().id()
                + ", so the call's cost cannot be bounded; it was not made");
      }
      // full input price: the estimate cannot know what a prompt cache will serve
      BigDecimal callCost = price.get().cost(input, output, 0, 0);
      BigDecimal spent = s.usage().costUsd();
      if (spent.add(callCost).compareTo(limits.maxCostUsd()) > 0) {
        return breach(
            "cost_limit_exceeded",
            "the next model call would take the session past maxCostUsd "
                + limits.maxCostUsd().toPlainString()
                + ": it has spent "
                + spent.toPlainString()
                + " USD and "
                + estimate
                + ", about "
                + callCost.toPlainString()
                + " USD");
      }
    }
    return Optional.empty();
  }

  private static Optional<Breach> breach(String code, String message) {
    return Optional.of(new Breach(code, message));
  }

  /** The input tokens the next call is estimated to need, from the size of what it sends. */
  static long estimatedInputTokens(SessionState s) {
    long chars = s.agent().instructions().length();
    for (ChatMessage m : s.messages()) {
      chars += m.text() == null ? 0 : m.text().length();
      for (ToolUse u : m.toolUses()) {
        chars += u.name().length() + jsonLength(u.input());
      }
      for (ToolResultBlock r : m.toolResults()) {
        chars += r.content() == null ? 0 : r.content().length();
      }
    }
    for (String name : s.agent().tools()) {
      Optional<ToolSpec> t = s.tool(name);
      if (t.isPresent()) {
        chars += name.length() + t.get().description().length() + jsonLength(t.get().inputSchema());
      }
    }
    return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
  }

  private static long jsonLength(JsonNode node) {
    return node == null ? 0 : node.toString().length();
  }

  /** The model's {@code maxTokens} option, or 0 when it has none. */
  static long maxOutputTokens(ModelSpec model) {
    JsonNode max = model.options() == null ? null : model.options().get("maxTokens");
    return max != null && max.canConvertToLong() ? Math.max(0, max.asLong()) : 0;
  }
}

package io.statehouse.runtime.policy.guardrail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.re2j.Pattern;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The running form of a {@link GuardrailSpec}: immutable, thread-safe, meant to be compiled once
 * per agent version and shared by its sessions. {@link #NONE} (an agent without guardrails) returns
 * every input as it is, without allocating.
 *
 * <p>Every check is bounded by {@code statehouse.guardrails}: a text longer than {@code
 * max-text-chars}, JSON deeper than {@code max-json-depth}, or a scan that outlasts {@code
 * regex-time-budget} fails closed. Redaction then replaces the whole value with {@link
 * #TIMEOUT_MARKER}; a deny check reports {@link DenyMatch#BUDGET_EXCEEDED}. Nothing here logs or
 * throws with the text, and a {@link DenyMatch} never carries the matched text.
 */
public final class Guardrails {
  /** What a value becomes when its redaction could not finish. */
  public static final String TIMEOUT_MARKER = marker(DenyMatch.TIMEOUT_RULE);

  /** No redaction, no deny rules: every method returns its input. */
  public static final Guardrails NONE =
      new Guardrails(null, EnumSet.noneOf(Stage.class), List.of(), List.of(), List.of());

  /** A compiled deny rule for one direction, with its (preallocated) answer. */
  record DenyCheck(Pattern pattern, Optional<DenyMatch> match) {}

  private final GuardrailSettings settings;
  private final Set<Stage> stages;
  private final Finder[] finders;
  private final DenyCheck[] input;
  private final DenyCheck[] output;

  Guardrails(
      GuardrailSettings settings,
      Set<Stage> stages,
      List<Finder> finders,
      List<DenyCheck> input,
      List<DenyCheck> output) {
    this.settings = settings;
    this.stages = finders.isEmpty() ? EnumSet.noneOf(Stage.class) : EnumSet.copyOf(stages);
    this.finders = finders.toArray(new Finder[0]);
    this.input = input.toArray(new DenyCheck[0]);
    this.output = output.toArray(new DenyCheck[0]);
  }

  /**
   * Compiles {@code spec} (null means none); throws IllegalArgumentException with the problems
   * {@link GuardrailSpec#problems} lists if it is invalid.
   */
  public static Guardrails compile(GuardrailSpec spec, GuardrailSettings settings) {
    return spec == null ? NONE : GuardrailCompiler.compile(spec, settings);
  }

  static String marker(String ruleName) {
    return "[REDACTED:" + ruleName + "]";
  }

  /** Whether {@link #redact} changes anything at {@code stage}; callers may skip work otherwise. */
  public boolean redacts(Stage stage) {
    return stages.contains(stage);
  }

  /** Whether {@link #denied} checks anything in {@code direction}. */
  public boolean denies(Direction direction) {
    return checks(direction).length > 0;
  }

  /**
   * {@code text} with every match of the redaction rules replaced by {@code [REDACTED:<rule>]} when
   * redaction applies at {@code stage}; otherwise {@code text} itself (also when nothing matched).
   */
  public String redact(String text, Stage stage) {
    if (text == null || text.isEmpty() || !stages.contains(stage)) {
      return text;
    }
    try {
      Budget budget = Budget.start(settings);
      budget.charge(text.length());
      return redactWithin(text, budget);
    } catch (Budget.Exceeded e) {
      return TIMEOUT_MARKER;
    }
  }

  /**
   * {@code value} with every string redacted as by {@link #redact(String, Stage)}, at any depth;
   * object keys are kept. Integral numbers are checked as text too (a card number sent as a JSON
   * number), and one that holds a match becomes a string. One budget covers the whole document; if
   * it runs out the result is the text node {@link #TIMEOUT_MARKER}. {@code value} is never
   * modified: it is returned itself when nothing matched, else a new tree that may share unchanged
   * subtrees with it.
   */
  public JsonNode redact(JsonNode value, Stage stage) {
    if (value == null || !stages.contains(stage) || value.isContainerNode() && value.isEmpty()) {
      return value;
    }
    try {
      return redactNode(value, Budget.start(settings), 0);
    } catch (Budget.Exceeded e) {
      return TextNode.valueOf(TIMEOUT_MARKER);
    }
  }

  /**
   * The first deny rule for {@code direction} that {@code text} matches, in the order of the spec,
   * as its name and reason only; {@link DenyMatch#BUDGET_EXCEEDED} if the check could not finish.
   */
  public Optional<DenyMatch> denied(String text, Direction direction) {
    DenyCheck[] checks = checks(direction);
    if (checks.length == 0 || text == null) {
      return Optional.empty();
    }
    try {
      Budget budget = Budget.start(settings);
      budget.charge(text.length());
      CharSequence metered = budget.meter(text);
      for (DenyCheck check : checks) {
        if (check.pattern().matcher(metered).find()) {
          return check.match();
        }
      }
      return Optional.empty();
    } catch (Budget.Exceeded e) {
      return Optional.of(DenyMatch.BUDGET_EXCEEDED);
    }
  }

  private DenyCheck[] checks(Direction direction) {
    return direction == Direction.INPUT ? input : output;
  }

  private String redactWithin(String text, Budget budget) {
    Finder.TextFacts facts = Finder.TextFacts.of(text);
    Spans spans = new Spans();
    for (Finder finder : finders) {
      finder.find(text, facts, budget, spans);
    }
    return spans.isEmpty() ? text : spans.applyTo(text);
  }

  private JsonNode redactNode(JsonNode node, Budget budget, int depth) {
    if (depth > settings.maxJsonDepth()) {
      throw Budget.Exceeded.INSTANCE;
    }
    if (node.isTextual()) {
      return redactText(node, node.textValue(), budget);
    }
    if (node.isIntegralNumber()) {
      return redactText(node, node.asText(), budget);
    }
    if (node.isObject()) {
      return redactObject((ObjectNode) node, budget, depth);
    }
    if (node.isArray()) {
      return redactArray((ArrayNode) node, budget, depth);
    }
    return node;
  }

  private JsonNode redactText(JsonNode node, String text, Budget budget) {
    budget.charge(text.length());
    String redacted = text.isEmpty() ? text : redactWithin(text, budget);
    return redacted == text ? node : TextNode.valueOf(redacted);
  }

  private JsonNode redactObject(ObjectNode node, Budget budget, int depth) {
    ObjectNode copy = null;
    int index = 0;
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      JsonNode child = field.getValue();
      JsonNode redacted = redactNode(child, budget, depth + 1);
      if (redacted != child && copy == null) {
        // the first change: copy the fields before it as they are
        copy = JsonNodeFactory.instance.objectNode();
        Iterator<Map.Entry<String, JsonNode>> before = node.properties().iterator();
        for (int i = 0; i < index; i++) {
          Map.Entry<String, JsonNode> kept = before.next();
          copy.set(kept.getKey(), kept.getValue());
        }
      }
      if (copy != null) {
        copy.set(field.getKey(), redacted);
      }
      index++;
    }
    return copy == null ? node : copy;
  }

  private JsonNode redactArray(ArrayNode node, Budget budget, int depth) {
    ArrayNode copy = null;
    for (int i = 0; i < node.size(); i++) {
      JsonNode child = node.get(i);
      JsonNode redacted = redactNode(child, budget, depth + 1);
      if (redacted != child && copy == null) {
        copy = JsonNodeFactory.instance.arrayNode(node.size());
        for (int k = 0; k < i; k++) {
          copy.add(node.get(k));
        }
      }
      if (copy != null) {
        copy.add(redacted);
      }
    }
    return copy == null ? node : copy;
  }
}

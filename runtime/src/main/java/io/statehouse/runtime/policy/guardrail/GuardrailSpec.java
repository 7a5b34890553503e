package io.statehouse.runtime.policy.guardrail;

import io.statehouse.runtime.CborSerializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An agent definition's {@code guardrails}: what to redact, where, and which texts block a turn.
 * Pinned in the journal with the agent spec, so it stays plain data; {@link Guardrails#compile}
 * turns it into the form that runs.
 *
 * <pre>{@code
 * guardrails:
 *   redact: [email, phone, card, iban, national_id, {name: employee_id, pattern: "EMP-[0-9]{6}"}]
 *   redactIn: [journal]
 *   deny:
 *     - {name: no_injection, pattern: "(?i)ignore (all )?previous instructions", on: [input],
 *        reason: "prompt injection"}
 * }</pre>
 *
 * <p>Where redaction applies ({@code redactIn}, default {@code [journal]}):
 *
 * <ul>
 *   <li>{@code journal}: before a value is written into an event. The raw value never reaches the
 *       journal, so the model and the audit export only ever see the redacted form too.
 *   <li>{@code model}: only the model request is redacted; the journal keeps the raw value (for a
 *       human reviewing the session) and the export shows it unless {@code export} is listed too.
 *   <li>{@code export}: only the audit export; the journal and the model see the raw value.
 * </ul>
 *
 * <p>Deny rules are checked on user input and on model output ({@code on}); a match blocks the turn
 * with the rule's name and reason, never the matched text. Every regex runs on RE2/J (linear time)
 * under {@code statehouse.guardrails} bounds; a check that exceeds them fails closed.
 *
 * @param redact built-ins by name ({@link BuiltIn}) or custom {name, pattern}; null means none
 * @param redactIn where redaction applies; null means {@code [journal]}
 * @param deny deny rules; null means none
 */
public record GuardrailSpec(List<RedactRule> redact, List<Stage> redactIn, List<DenyRule> deny)
    implements CborSerializable {

  public GuardrailSpec {
    // nulls inside the lists are kept so that problems() can name them
    redact = redact == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(redact));
    redactIn =
        redactIn == null
            ? List.of(Stage.JOURNAL)
            : Collections.unmodifiableList(new ArrayList<>(redactIn));
    deny = deny == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(deny));
  }

  /**
   * Everything wrong with this spec, for a 400 at registration; empty when {@link
   * Guardrails#compile} will accept it.
   */
  public List<String> problems(GuardrailSettings settings) {
    return GuardrailCompiler.check(this, settings);
  }
}

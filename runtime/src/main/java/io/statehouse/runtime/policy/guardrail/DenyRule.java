package io.statehouse.runtime.policy.guardrail;

import io.statehouse.runtime.CborSerializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A text matching {@code pattern} (an RE2 regex, searched anywhere in the text) in one of the
 * directions {@code on} blocks the turn; the turn's failure records {@code name} and {@code
 * reason}.
 *
 * @param reason shown to the user and recorded; a generic one when left out
 */
public record DenyRule(String name, String pattern, List<Direction> on, String reason)
    implements CborSerializable {

  public DenyRule {
    // nulls inside the list are kept so that validation can name them instead of a Jackson error
    on = on == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(on));
  }

  /** The reason recorded when this rule blocks a turn. */
  public String effectiveReason() {
    return reason == null || reason.isBlank() ? "blocked by guardrail " + name : reason;
  }
}

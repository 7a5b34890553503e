package io.statehouse.runtime.policy;

import io.statehouse.runtime.CborSerializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One rule of an agent's {@code policies}. Plain data: it is pinned in the journal inside the agent
 * spec, so the constructor only normalises and never rejects (a rule that was accepted once must
 * always read back); {@link PolicyEngine#check} says what is wrong with a rule at registration.
 *
 * @param tool the tool name it is about, or {@link #ANY_TOOL} for every tool
 * @param when a CEL expression over {@code principal}, {@code agent}, {@code tool}, {@code input}
 *     and {@code session}; null or blank means the rule always applies to its tool
 * @param approvers roles that may decide, only (and required) for {@code require_approval}
 * @param reason shown to the model for a denial, and to the approver
 * @param expiresAfter for {@code require_approval}: how long an approval may wait before the call
 *     is denied by timeout; null for no deadline
 */
public record PolicyRule(
    String tool,
    String when,
    PolicyEffect effect,
    List<String> approvers,
    String reason,
    Duration expiresAfter)
    implements CborSerializable {

  /** A {@link #tool} that matches every tool. */
  public static final String ANY_TOOL = "*";

  public PolicyRule {
    // a copy that keeps null entries: check() reports them instead of the journal failing to read
    approvers =
        approvers == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(approvers));
  }

  public static PolicyRule allow(String tool, String when) {
    return new PolicyRule(tool, when, PolicyEffect.ALLOW, List.of(), null, null);
  }

  public static PolicyRule deny(String tool, String when, String reason) {
    return new PolicyRule(tool, when, PolicyEffect.DENY, List.of(), reason, null);
  }

  public static PolicyRule requireApproval(
      String tool, String when, List<String> approvers, String reason, Duration expiresAfter) {
    return new PolicyRule(
        tool, when, PolicyEffect.REQUIRE_APPROVAL, approvers, reason, expiresAfter);
  }

  /** Whether this rule is about {@code toolName}. */
  public boolean appliesTo(String toolName) {
    return ANY_TOOL.equals(tool) || (tool != null && tool.equals(toolName));
  }

  /** Whether it has a {@code when} to evaluate; without one it applies to every call. */
  public boolean hasCondition() {
    return when != null && !when.isBlank();
  }
}

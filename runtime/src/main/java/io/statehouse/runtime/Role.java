package io.statehouse.runtime;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The roles a principal may hold within its tenant (docs/governance.md, "Roles"). A principal with
 * several roles may do what any of them allows. Nothing crosses tenants: every role acts only on
 * its own tenant's resources.
 */
public enum Role {
  /** Defines tools and agents; opens sessions and uses (reads, messages, closes) its own ones. */
  DEVELOPER,
  /** Reads the approval queue and the sessions behind it; decides approvals whose rule names it. */
  APPROVER,
  /** Operations: any session of the tenant (read, message, close, decide unknown outcomes). */
  OPERATOR,
  /** Read-only: any session's events, audit verification and export, and the approval queue. */
  AUDITOR;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Role> fromWire(String value) {
    return Arrays.stream(values()).filter(r -> r.wire().equals(value)).findFirst();
  }

  /** The wire names of every role, for error messages and validation. */
  public static List<String> wireNames() {
    return Arrays.stream(values()).map(Role::wire).toList();
  }
}

package io.statehouse.runtime;

import java.util.List;
import java.util.Objects;

/**
 * Who a request acts for: the tenant it belongs to, the subject (user or service) and its roles.
 * Resolved by the API from a credential; the runtime trusts it.
 */
public record Principal(String tenant, String subject, List<String> roles)
    implements CborSerializable {
  public Principal {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(subject, "subject");
    roles = roles == null ? List.of() : List.copyOf(roles);
  }

  public boolean hasRole(String role) {
    return roles.contains(role);
  }

  public boolean has(Role role) {
    return roles.contains(role.wire());
  }

  /** Whether this principal holds any of {@code wanted}. */
  public boolean hasAny(Role... wanted) {
    for (Role r : wanted) {
      if (has(r)) {
        return true;
      }
    }
    return false;
  }

  /** Whether this principal holds any of the roles named in {@code wanted} (wire names). */
  public boolean hasAnyOf(java.util.Collection<String> wanted) {
    return wanted.stream().anyMatch(roles::contains);
  }

  /**
   * Whether it may act on a session {@code owner} opened: the owner itself, or an operator of the
   * same tenant.
   */
  public boolean mayUseSessionOf(Principal owner) {
    return owner != null
        && tenant.equals(owner.tenant())
        && (subject.equals(owner.subject()) || has(Role.OPERATOR));
  }

  /**
   * Whether it may read a session {@code owner} opened: those who may use it, and any approver or
   * auditor of the tenant (an approver judges a request in its context; an auditor reads all).
   */
  public boolean mayReadSessionOf(Principal owner) {
    return mayUseSessionOf(owner)
        || (owner != null && tenant.equals(owner.tenant()) && hasAny(Role.APPROVER, Role.AUDITOR));
  }

  /** How this principal appears in the audit trail's {@code actor} field. */
  public String actor() {
    return "user:" + subject;
  }
}

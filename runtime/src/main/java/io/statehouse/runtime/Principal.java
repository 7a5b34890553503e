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

  /** How this principal appears in the audit trail's {@code actor} field. */
  public String actor() {
    return "user:" + subject;
  }
}

package io.statehouse.api.http;

import io.statehouse.runtime.Principal;
import io.statehouse.runtime.Role;
import java.util.Arrays;

/**
 * What each role may do through the API (docs/governance.md, "Roles"). Checks that need only the
 * principal happen here, in the routes; checks that need the session (its owner, an approval's
 * roles) happen in the session entity, which owns that state.
 */
final class Access {
  private Access() {}

  /** Define tools and agents. */
  static final Role[] DEFINE = {Role.DEVELOPER};

  /** Open sessions and send messages (to one's own sessions; operators to any of the tenant). */
  static final Role[] USE_SESSIONS = {Role.DEVELOPER, Role.OPERATOR};

  /** Read the approval queue. */
  static final Role[] READ_APPROVALS = {Role.APPROVER, Role.OPERATOR, Role.AUDITOR};

  /** Operations endpoints. */
  static final Role[] OPERATE = {Role.OPERATOR};

  /** What the tenant's model calls used and cost: operations and compliance. */
  static final Role[] READ_USAGE = {Role.OPERATOR, Role.AUDITOR};

  /** Throws 403 unless {@code p} holds one of {@code roles}. */
  static void require(Principal p, String action, Role... roles) {
    if (!p.hasAny(roles)) {
      throw ApiError.forbidden(
          action
              + " takes one of the roles "
              + Arrays.stream(roles).map(Role::wire).toList()
              + "; "
              + p.subject()
              + " has "
              + p.roles());
    }
  }

  /** Reading a session's content: its owner, an operator, an approver or an auditor. */
  static void requireRead(Principal p, Principal owner, String sessionId) {
    if (!p.mayReadSessionOf(owner)) {
      throw ApiError.forbidden(
          "session "
              + sessionId
              + " belongs to "
              + owner.subject()
              + "; only its owner, or an operator, approver or auditor of the tenant may read it");
    }
  }

  /** The audit trail's verification and export: its owner, an operator or an auditor. */
  static void requireAudit(Principal p, Principal owner, String sessionId) {
    if (!(p.mayUseSessionOf(owner) || p.has(Role.AUDITOR))) {
      throw ApiError.forbidden(
          "the audit trail of session "
              + sessionId
              + " is for its owner, an operator or an auditor of the tenant");
    }
  }
}

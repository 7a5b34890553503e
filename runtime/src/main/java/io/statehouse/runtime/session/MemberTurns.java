package io.statehouse.runtime.session;

import io.statehouse.runtime.catalog.WorkspaceTarget;

/**
 * Told when a turn of a team member's session ends (completed, failed or cancelled), after the
 * event that ends it is persisted, so that the member's workspace goes on at once. A hint, not the
 * record: a message lost to a crash is made up by the workspace asking the session (it follows
 * every turn it delivered until it learns how the turn ended).
 */
@FunctionalInterface
public interface MemberTurns {
  /**
   * @param member the workspace and role the session plays (from its pinned workspace tools)
   */
  void ended(WorkspaceTarget member, SessionId session, AgentSession.TurnOutcome outcome);

  /** Sessions outside any node's sharding (behaviour tests): nobody is told. */
  MemberTurns NONE = (member, session, outcome) -> {};
}

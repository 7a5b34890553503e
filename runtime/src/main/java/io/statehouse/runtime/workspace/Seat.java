package io.statehouse.runtime.workspace;

import io.statehouse.runtime.CborSerializable;

/**
 * A member of a team run: its role, the agent (at the version the run pinned) and the session that
 * plays it. Schema: part of {@link WorkspaceEvent.RunStarted}.
 */
public record Seat(String role, String agent, int agentVersion, String sessionId)
    implements CborSerializable {}

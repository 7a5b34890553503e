package io.statehouse.runtime.workspace;

import io.statehouse.runtime.audit.AuditChain;
import io.statehouse.runtime.session.EventMeta;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The events one workspace command persists, built in order against the state they lead to: each
 * chained to the one before it and sealed once, here, as session events are. Persisted as one
 * atomic write.
 */
final class WorkspaceBatch {
  private final Instant at;
  private final List<WorkspaceEvent> events = new ArrayList<>();
  private WorkspaceState state;

  WorkspaceBatch(WorkspaceState state, Instant at) {
    this.state = state;
    this.at = at;
  }

  EventMeta meta(String actor) {
    return new EventMeta(at, actor, state.auditHead());
  }

  void add(WorkspaceEvent event) {
    AuditChain.seal(event);
    events.add(event);
    state = state.apply(event);
  }

  WorkspaceState state() {
    return state;
  }

  Instant at() {
    return at;
  }

  List<WorkspaceEvent> events() {
    return events;
  }

  boolean isEmpty() {
    return events.isEmpty();
  }
}

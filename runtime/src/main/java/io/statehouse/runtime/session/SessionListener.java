package io.statehouse.runtime.session;

import java.util.List;

/**
 * Told after each batch a session persisted, before the batch's effects (model calls, tool calls)
 * start: the read sides, the hubs of live streams, the callers waiting for a turn, the node's
 * metrics and traces ({@code telemetry.SessionTelemetry}). A listener reads the states and events
 * it is given and never changes the session.
 */
@FunctionalInterface
public interface SessionListener {
  /**
   * {@code events} took the session from {@code before} to {@code after}; the last of them has
   * sequence number {@code lastSeq}.
   */
  void persisted(SessionState before, SessionState after, List<SessionEvent> events, long lastSeq);
}

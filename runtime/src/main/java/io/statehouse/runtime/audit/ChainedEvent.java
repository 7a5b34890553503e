package io.statehouse.runtime.audit;

import io.statehouse.runtime.session.EventMeta;

/**
 * An event of a journal that is one keyed hash chain: a session's or a team workspace's. Each
 * carries the hash of the event before it in its {@link EventMeta}; the journal stores it sealed
 * ({@link SessionEventSerializer}), and {@link ChainVerification} checks the chain.
 */
public interface ChainedEvent {
  EventMeta meta();
}

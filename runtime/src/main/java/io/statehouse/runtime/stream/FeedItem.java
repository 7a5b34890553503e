package io.statehouse.runtime.stream;

import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.audit.AuditChain;
import io.statehouse.runtime.audit.ChainedEvent;
import io.statehouse.runtime.audit.Seal;
import io.statehouse.runtime.model.ModelDelta;
import java.util.List;

/**
 * What a session or a team workspace sends to the stream hubs watching it (one hub per node with
 * clients for it): its persisted events, and the deltas of a model answer as it streams. Delivery
 * is at most once and in order per hub; a hub that sees a sequence number jump reads the missing
 * events from the journal.
 */
public sealed interface FeedItem extends CborSerializable {
  /**
   * The persistence id of the entity that sent it ({@code session|tenant:id}, {@code
   * workspace|tenant:id}): unique across entity types, as entity ids are not.
   */
  String source();

  /**
   * Events just persisted, in order: the first has sequence number {@code firstSeq}. They travel in
   * their stored form, the journal's bytes, so a hub on another node renders exactly what a read of
   * the journal would give, hash included.
   */
  record Events(String source, long firstSeq, List<StoredEvent> events) implements FeedItem {
    public Events {
      events = List.copyOf(events);
    }

    /** The sequence number of the last event. */
    public long lastSeq() {
      return firstSeq + events.size() - 1;
    }
  }

  /**
   * One event as the journal stores it: its type (the event class's simple name), its canonical
   * JSON and its hash in the audit chain.
   */
  record StoredEvent(String type, String json, String hash) implements CborSerializable {
    /** The stored form of an event that was just sealed (every event an entity persists is). */
    public static StoredEvent of(ChainedEvent e) {
      Seal seal = e.meta().seal();
      if (seal == null) {
        seal = AuditChain.seal(e);
      }
      return new StoredEvent(e.getClass().getSimpleName(), seal.json(), seal.hash());
    }
  }

  /**
   * A piece of model call {@code step} of turn {@code turnId}, as it streams. {@code afterSeq} is
   * the sequence number of the last event persisted before the call started: the delta belongs
   * right after it, and a client that has seen a later event has seen the reply the delta was part
   * of. {@code attempt} counts the tries of this call (from 1): a call tried again after a failure
   * streams its answer again from the start, under a higher attempt.
   */
  record Delta(String source, long afterSeq, String turnId, int step, int attempt, ModelDelta delta)
      implements FeedItem {}
}

package io.statehouse.runtime.session;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.statehouse.runtime.CborSerializable;
import io.statehouse.runtime.audit.Seal;
import io.statehouse.runtime.audit.SealSlot;
import java.time.Instant;
import java.util.Objects;

/**
 * What every session event carries besides its payload: when it happened, who caused it ({@code
 * user:<subject>}, {@code model}, {@code tool:<name>} or {@code runtime}), and the hash of the
 * event before it, which links the journal into a tamper-evident chain.
 *
 * <p>{@code sealSlot} holds the event's stored form (its canonical bytes, their hash and whether
 * its MAC checked out; see {@link Seal}). It is derived from the bytes, not part of the value: it
 * is never serialized, and {@link #equals}/{@link #hashCode} leave it out, so an event read back
 * from the journal equals the one that was written.
 */
public record EventMeta(Instant at, String actor, String prevHash, @JsonIgnore SealSlot sealSlot)
    implements CborSerializable {

  public EventMeta {
    sealSlot = sealSlot == null ? SealSlot.empty() : sealSlot;
  }

  @JsonCreator
  public EventMeta(
      @JsonProperty("at") Instant at,
      @JsonProperty("actor") String actor,
      @JsonProperty("prevHash") String prevHash) {
    this(at, actor, prevHash, SealSlot.empty());
  }

  /** The event's seal, or null when it has none (built in a test, or stored before sealing). */
  @JsonIgnore
  public Seal seal() {
    return sealSlot.get();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EventMeta m
        && Objects.equals(at, m.at)
        && Objects.equals(actor, m.actor)
        && Objects.equals(prevHash, m.prevHash);
  }

  @Override
  public int hashCode() {
    return Objects.hash(at, actor, prevHash);
  }

  @Override
  public String toString() {
    return "EventMeta[at=" + at + ", actor=" + actor + ", prevHash=" + prevHash + "]";
  }
}

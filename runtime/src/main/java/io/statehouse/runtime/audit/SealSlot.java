package io.statehouse.runtime.audit;

/**
 * Where an event's {@link Seal} is kept: in its {@code EventMeta}, filled once, when the event is
 * built ({@code EventBatch}) or read from the journal ({@link SessionEventSerializer}). Only this
 * package fills it. An event crosses threads by message passing, so a volatile field is enough.
 */
public final class SealSlot {
  private volatile Seal seal;

  private SealSlot() {}

  public static SealSlot empty() {
    return new SealSlot();
  }

  /** The seal, or null for an event built without one (tests) or stored before sealing. */
  public Seal get() {
    return seal;
  }

  void fill(Seal s) {
    if (seal != null) {
      // one EventMeta used for two events: the second would carry the first one's hash
      throw new IllegalStateException("this event metadata is already sealed: use one per event");
    }
    seal = s;
  }

  @Override
  public String toString() {
    Seal s = seal;
    return s == null ? "unsealed" : s.toString();
  }
}

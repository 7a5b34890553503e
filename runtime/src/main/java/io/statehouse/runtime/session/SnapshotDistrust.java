package io.statehouse.runtime.session;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * The sessions whose snapshot this node found unusable (a MAC that does not match, an unknown key,
 * an unsealed or stale snapshot): their next incarnations recover from the journal alone. Kept for
 * the node's life, at most {@value #MAX} ids (only tampering or a lost key puts ids here); a
 * session left out when it is full finds its snapshot unusable again and again recovers twice,
 * which costs time, never correctness.
 */
public final class SnapshotDistrust implements Extension {
  static final int MAX = 10_000;

  private static final ExtensionId<SnapshotDistrust> ID =
      new ExtensionId<>() {
        @Override
        public SnapshotDistrust createExtension(ActorSystem<?> system) {
          return new SnapshotDistrust();
        }
      };

  private final Set<String> entityIds = ConcurrentHashMap.newKeySet();

  public static SnapshotDistrust of(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** The session with {@code entityId} recovers without snapshots from now on. */
  void distrust(String entityId) {
    if (entityIds.size() < MAX) {
      entityIds.add(entityId);
    }
  }

  /** Whether the session with {@code entityId} must recover from its journal alone. */
  public boolean distrusts(String entityId) {
    return entityIds.contains(entityId);
  }
}

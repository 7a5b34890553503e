package io.statehouse.api.stream;

import io.statehouse.runtime.stream.FeedItem;
import java.util.List;

/** What the hub puts in one client's buffer. */
public sealed interface ClientItem {
  /** Events the session just persisted, rendered: the first is number {@code firstSeq}. */
  record Live(long firstSeq, List<Frame.Event> frames) implements ClientItem {}

  /** A delta of a streaming answer, as the session sent it and rendered. */
  record LiveDelta(FeedItem.Delta delta, Frame.Delta frame) implements ClientItem {}

  /**
   * The session was watched again (after it moved or restarted): its journal ends at {@code
   * lastSeq}, and the client reads whatever it missed up to there.
   */
  record Resync(long lastSeq) implements ClientItem {}
}

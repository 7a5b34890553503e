package io.statehouse.api.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.stream.FeedItem;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a client that fell behind gets: the same items, its deltas of one answer joined. */
class ClientBacklogTest {

  private static ClientItem delta(int attempt, ModelDelta d) {
    FeedItem.Delta fd = new FeedItem.Delta("acme:ses_1", 3, "turn_1", 1, attempt, d);
    return new ClientItem.LiveDelta(fd, StreamHub.deltaFrame(fd));
  }

  private static ModelDelta text(String t) {
    return new ModelDelta.Text(t);
  }

  private static String textOf(ClientItem item) {
    return ((ModelDelta.Text) ((ClientItem.LiveDelta) item).delta().delta()).text();
  }

  @Test
  void deltasOfOneAnswerJoinIntoOneWithTheWholeTextInOrder() {
    ClientFeed.Backlog backlog = new ClientFeed.Backlog();
    for (int i = 0; i < 5000; i++) {
      backlog.add(delta(1, text("w" + i + " ")));
    }

    List<ClientItem> items = backlog.items();

    assertEquals(1, items.size());
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      expected.append("w").append(i).append(' ');
    }
    assertEquals(expected.toString(), textOf(items.get(0)));
  }

  @Test
  void aRetrysDeltasAnEventAndAnotherToolUseAreNotJoinedAcross() {
    ClientFeed.Backlog backlog = new ClientFeed.Backlog();
    backlog
        .add(delta(1, text("half ")))
        .add(delta(1, text("an ")))
        .add(delta(2, text("A ")))
        .add(delta(2, text("whole")))
        .add(new ClientItem.Resync(9))
        .add(delta(2, new ModelDelta.ToolInput("call_0", "lookup", "{\"q\":")))
        .add(delta(2, new ModelDelta.ToolInput("call_0", "lookup", "\"x\"}")))
        .add(delta(2, new ModelDelta.ToolInput("call_1", "lookup", "{}")));

    List<ClientItem> items = backlog.items();

    assertEquals(5, items.size());
    assertEquals("half an ", textOf(items.get(0)));
    assertEquals("A whole", textOf(items.get(1)));
    assertInstanceOf(ClientItem.Resync.class, items.get(2));
    ModelDelta.ToolInput first =
        (ModelDelta.ToolInput) ((ClientItem.LiveDelta) items.get(3)).delta().delta();
    assertEquals("{\"q\":\"x\"}", first.json());
    assertEquals(
        "call_1",
        ((ModelDelta.ToolInput) ((ClientItem.LiveDelta) items.get(4)).delta().delta()).toolUseId());
  }
}

package io.statehouse.api.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statehouse.api.dto.Views;
import io.statehouse.runtime.audit.AuditChain;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.EventMeta;
import io.statehouse.runtime.session.SessionEvent;
import io.statehouse.runtime.stream.FeedItem;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a live stream shows for an event and a delta, and how frames are written. */
class StreamFramesTest {
  private static final ObjectMapper CLIENT = new ObjectMapper();
  private static final Instant AT = Instant.parse("2026-11-23T10:15:30.123456Z");

  private static <E extends SessionEvent> E sealed(E e) {
    AuditChain.seal(e);
    return e;
  }

  private static EventMeta meta(String actor) {
    return new EventMeta(AT, actor, AuditChain.GENESIS);
  }

  /** The JSON a client parses for the event, from the events endpoint and from a live stream. */
  private static void assertSameView(SessionEvent e) throws Exception {
    JsonNode fromJournal = CLIENT.readTree(StreamHub.json(Views.event(7, e)));
    JsonNode live = CLIENT.readTree(StreamHub.eventFrame(7, FeedItem.StoredEvent.of(e)).dataJson());
    assertEquals(fromJournal, live);
  }

  @Test
  void aLiveEventShowsWhatTheEventsEndpointShowsForItHashIncluded() throws Exception {
    assertSameView(
        sealed(
            new SessionEvent.ModelReplied(
                meta("model"),
                "turn_1",
                2,
                "Line one\nline \"two\"",
                List.of(
                    new ToolUse("call_0", "lookup", Json.MAPPER.readTree("{\"q\":null,\"n\":3}"))),
                "tool_use",
                new Usage(120, 30, new BigDecimal("0.000123")))));
    assertSameView(
        sealed(
            new SessionEvent.TurnCancelled(
                meta("user:alice"), "turn_1", "cancelled by user:alice")));
    assertSameView(
        sealed(
            new SessionEvent.MessageQueued(
                meta("user:alice"), "turn_2", "next", "key-1", List.of("developer"), null)));
  }

  @Test
  void anEventFrameIsOneSseEventWhoseIdIsItsSequenceNumberAndWhoseDataIsOneLine() {
    SessionEvent e =
        sealed(new SessionEvent.TurnCompleted(meta("runtime"), "turn_1", "a\nb\n\nc", Usage.ZERO));
    Frame.Event f = StreamHub.eventFrame(12, FeedItem.StoredEvent.of(e));

    String sse = f.sse().utf8String();

    assertTrue(sse.startsWith("id: 12\nevent: TurnCompleted\ndata: {"), sse);
    assertTrue(sse.endsWith("}\n\n"), sse);
    // three lines, then the blank line that ends the event: the text's newlines stay escaped
    assertEquals(5, sse.split("\n", -1).length, sse);
    assertTrue(f.ws().startsWith("{\"type\":\"event\",\"data\":{"), f.ws());
  }

  @Test
  void aDeltaFrameCarriesItsTurnStepAndTextAndNoSseId() throws Exception {
    Frame.Delta text =
        StreamHub.deltaFrame(
            new FeedItem.Delta("acme:ses_1", 3, "turn_1", 1, 2, new ModelDelta.Text("Hel\nlo")));
    Frame.Delta input =
        StreamHub.deltaFrame(
            new FeedItem.Delta(
                "acme:ses_1",
                3,
                "turn_1",
                1,
                1,
                new ModelDelta.ToolInput("call_0", "lookup", "{\"q\":")));

    assertFalse(text.sse().utf8String().contains("id:"));
    JsonNode t = CLIENT.readTree(text.dataJson());
    assertEquals("text", t.path("kind").asText());
    assertEquals("Hel\nlo", t.path("text").asText());
    assertEquals("turn_1", t.path("turnId").asText());
    assertEquals(1, t.path("step").asInt());
    assertEquals(2, t.path("attempt").asInt(), "a retried call's deltas say which try they are");
    JsonNode i = CLIENT.readTree(input.dataJson());
    assertEquals("tool_input", i.path("kind").asText());
    assertEquals("call_0", i.path("toolUseId").asText());
    assertEquals("{\"q\":", i.path("json").asText());
    assertEquals(3, input.afterSeq());
  }

  @Test
  void anEndFrameSaysWhyAndWhereToResume() throws Exception {
    Frame.End end = new Frame.End(EndReason.SLOW_CONSUMER, 41);

    JsonNode data = CLIENT.readTree(end.ws()).path("data");

    assertEquals("slow_consumer", data.path("reason").asText());
    assertEquals(41, data.path("lastSeq").asLong());
    assertTrue(end.sse().utf8String().startsWith("event: end\ndata: {"));
  }
}

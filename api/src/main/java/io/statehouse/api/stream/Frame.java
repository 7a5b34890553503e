package io.statehouse.api.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.statehouse.api.http.ApiJson;
import org.apache.pekko.util.ByteString;

/**
 * One frame of a live stream (a session's or a team workspace's), rendered to JSON once and written
 * either as a Server-Sent Event or as a WebSocket text message (docs/api.md, "Live streams").
 */
public sealed interface Frame {

  /** As SSE: {@code id:} (events only), {@code event:}, {@code data:} and a blank line. */
  ByteString sse();

  /** As a WebSocket text message: {@code {"type": ..., "data": ...}}. */
  String ws();

  /**
   * A persisted event: {@code data} is what {@code GET /events} shows for it. The SSE id is its
   * sequence number, so a browser resumes after it with {@code Last-Event-ID}.
   */
  record Event(long seq, String type, String dataJson) implements Frame {
    @Override
    public ByteString sse() {
      return ByteString.fromString(
          "id: " + seq + "\nevent: " + type + "\ndata: " + dataJson + "\n\n");
    }

    @Override
    public String ws() {
      return "{\"type\":\"event\",\"data\":" + dataJson + "}";
    }
  }

  /**
   * A piece of a model answer as it streams, right after event {@code afterSeq}. No SSE id: a
   * client that reconnects resumes after the last event, and the reply event carries every delta.
   */
  record Delta(long afterSeq, String dataJson) implements Frame {
    @Override
    public ByteString sse() {
      return ByteString.fromString("event: delta\ndata: " + dataJson + "\n\n");
    }

    @Override
    public String ws() {
      return "{\"type\":\"delta\",\"data\":" + dataJson + "}";
    }
  }

  /**
   * The last frame: {@code reason} is {@link EndReason#wire()}; {@code lastSeq} the last event the
   * client was sent, to resume after.
   */
  record End(EndReason reason, long lastSeq) implements Frame {
    String dataJson() {
      ObjectNode data = ApiJson.WRITER.createObjectNode();
      data.put("reason", reason.wire()).put("lastSeq", lastSeq).put("message", reason.message());
      return data.toString();
    }

    @Override
    public ByteString sse() {
      return ByteString.fromString("event: end\ndata: " + dataJson() + "\n\n");
    }

    @Override
    public String ws() {
      return "{\"type\":\"end\",\"data\":" + dataJson() + "}";
    }
  }

  /** Sent when nothing else was for the heartbeat interval, so proxies keep the stream open. */
  record Heartbeat() implements Frame {
    private static final ByteString SSE = ByteString.fromString(": heartbeat\n\n");

    @Override
    public ByteString sse() {
      return SSE;
    }

    @Override
    public String ws() {
      return "{\"type\":\"heartbeat\"}";
    }
  }

  /**
   * A WebSocket answer to a client's frame: {@code ack} or {@code error}, with the client's ref.
   */
  record Reply(String type, JsonNode ref, JsonNode data) implements Frame {
    @Override
    public ByteString sse() {
      throw new UnsupportedOperationException("replies exist on WebSockets only");
    }

    @Override
    public String ws() {
      ObjectNode o = ApiJson.WRITER.createObjectNode();
      o.put("type", type);
      if (ref != null) {
        o.set("ref", ref);
      }
      o.set(type.equals("error") ? "error" : "data", data);
      return o.toString();
    }
  }
}

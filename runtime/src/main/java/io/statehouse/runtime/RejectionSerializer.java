package io.statehouse.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.statehouse.runtime.json.Json;
import java.io.IOException;
import java.io.NotSerializableException;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Writes a {@link Rejection} as a small JSON object. Exceptions do not fit Jackson's record-based
 * CBOR serialization, and a rejection must reach an API node on another cluster member as it was.
 */
public final class RejectionSerializer extends SerializerWithStringManifest {
  private static final String MANIFEST = "R";

  @Override
  public int identifier() {
    return 740_001;
  }

  @Override
  public String manifest(Object o) {
    return MANIFEST;
  }

  @Override
  public byte[] toBinary(Object o) {
    Rejection r = (Rejection) o;
    ObjectNode node = Json.object().put("code", r.code()).put("message", r.getMessage());
    if (r.turnId() != null) {
      node.put("turnId", r.turnId());
    }
    try {
      return Json.MAPPER.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    if (!MANIFEST.equals(manifest)) {
      throw new NotSerializableException("unknown manifest " + manifest);
    }
    try {
      JsonNode node = Json.MAPPER.readTree(bytes);
      JsonNode turn = node.get("turnId");
      return new Rejection(
          node.path("code").asText(),
          node.path("message").asText(),
          turn == null ? null : turn.asText());
    } catch (IOException e) {
      throw new NotSerializableException("bad rejection bytes: " + e.getMessage());
    }
  }
}

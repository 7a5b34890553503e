package io.statehouse.runtime.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.ArrayList;
import java.util.List;

/** Shared JSON helpers for the runtime: one configured mapper and a canonical form for hashing. */
public final class Json {
  /** Plain JSON for tool bodies and model payloads: ISO dates, absent nulls, lenient on input. */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .build();

  private Json() {}

  public static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  /**
   * The canonical bytes of a value: its JSON tree with object keys sorted at every depth and nulls
   * left out. Used for audit hashes, so it must not depend on field declaration order or on the
   * order a JSON object arrived in; new nullable fields keep old events' bytes unchanged.
   */
  public static byte[] canonicalBytes(Object value) {
    JsonNode tree = MAPPER.valueToTree(value);
    try {
      return MAPPER.writeValueAsBytes(sorted(tree));
    } catch (Exception e) {
      throw new IllegalStateException("cannot write canonical JSON", e);
    }
  }

  private static JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      List<String> names = new ArrayList<>();
      node.properties().forEach(e -> names.add(e.getKey()));
      names.sort(null);
      for (String name : names) {
        JsonNode child = node.get(name);
        if (!child.isNull()) {
          out.set(name, sorted(child));
        }
      }
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      node.forEach(child -> out.add(sorted(child)));
      return out;
    }
    return node;
  }
}

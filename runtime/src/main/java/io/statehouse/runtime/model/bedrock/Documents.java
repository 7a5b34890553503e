package io.statehouse.runtime.model.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.document.Document;

/**
 * Jackson trees to the SDK's {@link Document} and back: tool inputs, tool schemas and additional
 * model fields cross the SDK as documents. The SDK has no public converter, and {@code
 * Document.toString()} is not JSON.
 */
final class Documents {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Documents() {}

  static Document toDocument(JsonNode n) {
    if (n == null) {
      return Document.fromNull();
    }
    switch (n.getNodeType()) {
      case OBJECT:
        // fromMap keeps the map as is: a LinkedHashMap keeps the keys in their order
        Map<String, Document> fields = new LinkedHashMap<>();
        n.properties().forEach(e -> fields.put(e.getKey(), toDocument(e.getValue())));
        return Document.fromMap(fields);
      case ARRAY:
        List<Document> items = new ArrayList<>(n.size());
        n.forEach(item -> items.add(toDocument(item)));
        return Document.fromList(items);
      case STRING:
        return Document.fromString(n.textValue());
      case NUMBER:
        return n.isIntegralNumber()
            ? Document.fromNumber(n.bigIntegerValue())
            : Document.fromNumber(n.decimalValue());
      case BOOLEAN:
        return Document.fromBoolean(n.booleanValue());
      default:
        return Document.fromNull();
    }
  }

  static JsonNode toJson(Document d) {
    if (d == null || d.isNull()) {
      return NODES.nullNode();
    }
    if (d.isBoolean()) {
      return NODES.booleanNode(d.asBoolean());
    }
    if (d.isString()) {
      return NODES.textNode(d.asString());
    }
    if (d.isNumber()) {
      BigDecimal b = d.asNumber().bigDecimalValue();
      return b.scale() <= 0 ? NODES.numberNode(b.toBigIntegerExact()) : NODES.numberNode(b);
    }
    if (d.isList()) {
      ArrayNode a = NODES.arrayNode();
      d.asList().forEach(x -> a.add(toJson(x)));
      return a;
    }
    ObjectNode o = NODES.objectNode();
    d.asMap().forEach((k, v) -> o.set(k, toJson(v)));
    return o;
  }
}

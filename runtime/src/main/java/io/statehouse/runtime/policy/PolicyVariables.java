package io.statehouse.runtime.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableCollection;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.StructType;
import dev.cel.common.values.CelByteString;
import dev.cel.common.values.NullValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The variables a policy expression sees: their CEL types, checked at registration, and their
 * values for one call. {@code principal}, {@code agent}, {@code tool} and {@code session} are
 * declared as structs with typed fields, so a misspelt field is a registration error; their values
 * are plain Java maps, which CEL selects from by key. {@code input} is a map of dynamic values
 * whose fields are only known when the call arrives.
 */
final class PolicyVariables {
  static final StructType PRINCIPAL =
      struct(
          "statehouse.Principal",
          ImmutableMap.of(
              "tenant",
              SimpleType.STRING,
              "subject",
              SimpleType.STRING,
              "roles",
              ListType.create(SimpleType.STRING)));
  static final StructType AGENT =
      struct(
          "statehouse.Agent",
          ImmutableMap.of("name", SimpleType.STRING, "version", SimpleType.INT));
  static final StructType TOOL =
      struct(
          "statehouse.Tool",
          ImmutableMap.of(
              "name", SimpleType.STRING, "version", SimpleType.INT, "idempotent", SimpleType.BOOL));
  static final StructType SESSION =
      struct(
          "statehouse.Session",
          ImmutableMap.<String, CelType>builder()
              .put("id", SimpleType.STRING)
              .put("turnId", SimpleType.STRING)
              .put("totalTokens", SimpleType.INT)
              .put("costUsd", SimpleType.DOUBLE)
              .put("modelCalls", SimpleType.INT)
              .put("toolCalls", SimpleType.INT)
              .buildOrThrow());
  static final MapType INPUT = MapType.create(SimpleType.STRING, SimpleType.DYN);

  /** Every variable by name, in declaration order. */
  static final ImmutableMap<String, CelType> DECLARATIONS =
      ImmutableMap.of(
          "principal", PRINCIPAL, "agent", AGENT, "tool", TOOL, "input", INPUT, "session", SESSION);

  /** The struct types above, for the type checker. */
  static final CelTypeProvider TYPES =
      new CelTypeProvider() {
        private final ImmutableList<CelType> types =
            ImmutableList.of(PRINCIPAL, AGENT, TOOL, SESSION);

        @Override
        public ImmutableCollection<CelType> types() {
          return types;
        }

        @Override
        public Optional<CelType> findType(String typeName) {
          return types.stream().filter(t -> t.name().equals(typeName)).findFirst();
        }
      };

  private PolicyVariables() {}

  private static StructType struct(String name, ImmutableMap<String, CelType> fields) {
    return StructType.create(name, fields.keySet(), f -> Optional.ofNullable(fields.get(f)));
  }

  /**
   * The values of one call. {@code input} is left out when it is not a JSON object, so that a rule
   * reading it cannot be evaluated (and denies) while rules that do not read it still work.
   */
  static Map<String, Object> values(PolicyFacts facts) {
    Map<String, Object> vars = new HashMap<>();
    vars.put(
        "principal",
        Map.of(
            "tenant", facts.principal().tenant(),
            "subject", facts.principal().subject(),
            "roles", facts.principal().roles()));
    vars.put(
        "agent", Map.of("name", facts.agent().name(), "version", (long) facts.agent().version()));
    vars.put(
        "tool",
        Map.of(
            "name", facts.tool().name(),
            "version", (long) facts.tool().version(),
            "idempotent", facts.tool().idempotent()));
    PolicyFacts.Session s = facts.session();
    vars.put(
        "session",
        Map.of(
            "id", s.id(),
            "turnId", s.turnId(),
            "totalTokens", s.totalTokens(),
            "costUsd", s.costUsd(),
            "modelCalls", (long) s.modelCalls(),
            "toolCalls", (long) s.toolCalls()));
    if (facts.input().isObject()) {
      vars.put("input", toCel(facts.input()));
    } else if (facts.input().isMissingNode() || facts.input().isNull()) {
      vars.put("input", Map.of());
    }
    return vars;
  }

  /**
   * A JSON value as CEL sees it: integers that fit a long are {@code int}, every other number is
   * {@code double} (CEL compares the two across types), objects are maps, arrays lists, JSON null
   * is CEL null.
   */
  static Object toCel(JsonNode node) {
    switch (node.getNodeType()) {
      case OBJECT:
        Map<String, Object> map = new LinkedHashMap<>();
        node.properties().forEach(e -> map.put(e.getKey(), toCel(e.getValue())));
        return map;
      case ARRAY:
        List<Object> list = new ArrayList<>(node.size());
        node.forEach(element -> list.add(toCel(element)));
        return list;
      case STRING:
        return node.textValue();
      case NUMBER:
        return node.isIntegralNumber() && node.canConvertToLong()
            ? (Object) node.longValue()
            : (Object) node.doubleValue();
      case BOOLEAN:
        return node.booleanValue();
      case BINARY:
        try {
          return CelByteString.of(node.binaryValue());
        } catch (IOException e) {
          return NullValue.NULL_VALUE;
        }
      default:
        // NULL, MISSING, and POJO nodes, which JSON from a model never holds
        return NullValue.NULL_VALUE;
    }
  }
}

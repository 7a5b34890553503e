package io.statehouse.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.MapperBuilder;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * JSON (and YAML) in and out of the API. Reading is strict: unknown fields, wrong types and
 * malformed documents are refused with a message that names the field, so a client never has a typo
 * silently ignored.
 */
public final class ApiJson {
  private static final Set<String> YAML_TYPES =
      Set.of("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml");
  // curl -d sends form-urlencoded by default; treat such bodies as JSON rather than refuse them
  private static final Set<String> JSON_TYPES =
      Set.of(
          "application/json",
          "text/plain",
          "application/octet-stream",
          "application/x-www-form-urlencoded");

  static final ObjectMapper READER = strict(JsonMapper.builder());
  static final ObjectMapper YAML_READER = strict(YAMLMapper.builder());
  public static final ObjectMapper WRITER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .build();

  private ApiJson() {}

  private static ObjectMapper strict(MapperBuilder<?, ?> builder) {
    return builder
        .addModule(new JavaTimeModule())
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .withCoercionConfig(
            LogicalType.Textual,
            c ->
                c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
        .build();
  }

  /** Reads a request body as {@code type}; YAML only where {@code yamlAllowed}. */
  public static <T> T read(HttpEntity.Strict entity, Class<T> type, boolean yamlAllowed) {
    String mediaType = entity.getContentType().mediaType().toString().toLowerCase(Locale.ROOT);
    boolean yaml = YAML_TYPES.contains(mediaType);
    if (yaml && !yamlAllowed) {
      throw unsupported(mediaType, "application/json");
    }
    if (!yaml && !JSON_TYPES.contains(mediaType) && !mediaType.endsWith("+json")) {
      throw unsupported(
          mediaType, yamlAllowed ? "application/json or application/yaml" : "application/json");
    }
    byte[] bytes = entity.getData().toArray();
    if (bytes.length == 0) {
      throw new ApiError(StatusCodes.BAD_REQUEST, "invalid_request", "a request body is required");
    }
    try {
      T value = (yaml ? YAML_READER : READER).readValue(bytes, type);
      if (value == null) {
        throw new ApiError(
            StatusCodes.BAD_REQUEST, "invalid_request", "the request body must be an object");
      }
      return value;
    } catch (ApiError e) {
      throw e;
    } catch (JsonProcessingException e) {
      throw describe(e, yaml ? "YAML" : "JSON");
    } catch (IOException e) {
      throw new ApiError(
          StatusCodes.BAD_REQUEST, "invalid_request", "cannot read the body: " + e.getMessage());
    }
  }

  private static ApiError unsupported(String mediaType, String expected) {
    return new ApiError(
        StatusCodes.UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "content type " + mediaType + " is not accepted here; send " + expected);
  }

  private static ApiError describe(JsonProcessingException e, String format) {
    if (e instanceof UnrecognizedPropertyException u) {
      String known =
          u.getKnownPropertyIds() == null
              ? ""
              : "; known fields: "
                  + u.getKnownPropertyIds().stream()
                      .map(Object::toString)
                      .sorted()
                      .collect(Collectors.joining(", "));
      return ApiError.badRequest("unknown field '" + path(u) + "'" + known);
    }
    if (e instanceof InvalidFormatException f) {
      return ApiError.badRequest(
          "field '"
              + path(f)
              + "': '"
              + f.getValue()
              + "' is not a valid "
              + typeName(f.getTargetType()));
    }
    if (e instanceof MismatchedInputException m) {
      String where = path(m).isEmpty() ? "the body" : "field '" + path(m) + "'";
      return ApiError.badRequest(where + ": expected " + typeName(m.getTargetType()));
    }
    if (e instanceof JsonMappingException m && !path(m).isEmpty()) {
      String cause = m.getCause() != null ? m.getCause().getMessage() : m.getOriginalMessage();
      return ApiError.badRequest("field '" + path(m) + "': " + cause);
    }
    String first = e.getOriginalMessage().lines().findFirst().orElse("");
    String at =
        e.getLocation() == null
            ? ""
            : " (line "
                + e.getLocation().getLineNr()
                + ", column "
                + e.getLocation().getColumnNr()
                + ")";
    return new ApiError(
        StatusCodes.BAD_REQUEST,
        "invalid_" + format.toLowerCase(Locale.ROOT),
        "malformed " + format + ": " + first + at);
  }

  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static String typeName(Class<?> type) {
    if (type == null) {
      return "value";
    }
    if (type == String.class) {
      return "string";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "integer";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "boolean (true or false)";
    }
    if (Number.class.isAssignableFrom(type)) {
      return "number";
    }
    if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "object";
    }
    if (java.util.Collection.class.isAssignableFrom(type)) {
      return "array";
    }
    return type.getSimpleName();
  }

  /** A JSON response. */
  public static HttpResponse response(StatusCode status, Object body) {
    try {
      return HttpResponse.create()
          .withStatus(status)
          .withEntity(ContentTypes.APPLICATION_JSON, WRITER.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write response", e);
    }
  }

  /** The response for an {@link ApiError}. */
  public static HttpResponse error(ApiError e) {
    ObjectNode error =
        WRITER.createObjectNode().put("code", e.code()).put("message", e.getMessage());
    if (e.turnId() != null) {
      error.put("turnId", e.turnId());
    }
    ObjectNode body = WRITER.createObjectNode();
    body.set("error", error);
    return response(e.status(), body);
  }
}

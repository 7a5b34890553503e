package io.statehouse.runtime.catalog;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import io.statehouse.runtime.CborSerializable;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The value of a header an HTTP tool sends on every call: a literal, or a reference to a secret
 * resolved for the call's tenant when the call is made. On the wire (JSON, CBOR, the journal) a
 * literal is a plain string and a reference is {@code {"secret": "NAME"}}, so tool specs pinned by
 * sessions before references existed (plain string maps) still read back, with the same canonical
 * bytes and audit hashes.
 */
@JsonDeserialize(using = HeaderValue.Deserializer.class)
public sealed interface HeaderValue extends CborSerializable {

  /** Names a secret may have: they appear in config paths and environment variable names. */
  Pattern SECRET_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");

  /** Header names whose literal values are refused: they carry credentials. */
  List<String> CREDENTIAL_NAMES = List.of("authorization", "proxy-authorization", "cookie");

  /** Parts of header names that mark a credential ({@code X-Api-Key}, {@code X-Auth-Token}, …). */
  List<String> CREDENTIAL_PARTS =
      List.of(
          "token",
          "secret",
          "key",
          "password",
          "passwd",
          "auth",
          "session",
          "signature",
          "credential",
          "cookie");

  /** Whether a header of this name carries a credential, so its value must be a reference. */
  static boolean credentialLike(String headerName) {
    String lower = headerName.toLowerCase(Locale.ROOT);
    return CREDENTIAL_NAMES.contains(lower) || CREDENTIAL_PARTS.stream().anyMatch(lower::contains);
  }

  /** A value sent as is. Not shown in any view, and not printed by {@link #toString()}. */
  record Literal(String value) implements HeaderValue {
    public Literal {
      Objects.requireNonNull(value, "value");
    }

    @JsonValue
    @Override
    public String value() {
      return value;
    }

    @Override
    public String toString() {
      // a ToolSpec may end up in a log line or an exception: its header values must not
      return "Literal[***]";
    }
  }

  /** A secret of the call's tenant, looked up when the call is made; only the name is stored. */
  record SecretRef(String name) implements HeaderValue {
    public SecretRef {
      Objects.requireNonNull(name, "name");
      if (!SECRET_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("a secret name must match " + SECRET_NAME.pattern());
      }
    }

    @JsonValue
    Map<String, String> json() {
      return Map.of("secret", name);
    }
  }

  /** Reads both shapes; the error for anything else never includes the value. */
  final class Deserializer extends StdDeserializer<HeaderValue> {
    private static final long serialVersionUID = 1L;

    Deserializer() {
      super(HeaderValue.class);
    }

    @Override
    public HeaderValue deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
      JsonToken token = p.currentToken();
      if (token == JsonToken.VALUE_STRING) {
        return new Literal(p.getText());
      }
      if (token == JsonToken.START_OBJECT) {
        JsonNode node = ctx.readTree(p);
        JsonNode name = node.get("secret");
        if (node.size() == 1
            && name != null
            && name.isTextual()
            && SECRET_NAME.matcher(name.asText()).matches()) {
          return new SecretRef(name.asText());
        }
      } else {
        // skip whatever it is so the message below is the only thing reported
        p.skipChildren();
      }
      return (HeaderValue)
          ctx.handleUnexpectedToken(
              HeaderValue.class, token, p, "a header value is a string or {\"secret\": \"NAME\"}");
    }
  }
}

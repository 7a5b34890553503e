package io.statehouse.runtime.catalog;

import io.statehouse.runtime.CborSerializable;
import java.util.Map;
import java.util.Objects;

/**
 * How an HTTP tool is reached. The input is sent as a JSON body (or as query parameters for GET and
 * DELETE); {@code headers} are added to every call, secret references resolved for the call's
 * tenant at call time (see {@link HeaderValue}).
 */
public record HttpTarget(String method, String url, Map<String, HeaderValue> headers)
    implements CborSerializable {
  public HttpTarget {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(url, "url");
    headers = headers == null ? Map.of() : Map.copyOf(headers);
  }

  public boolean sendsBody() {
    return !(method.equals("GET") || method.equals("DELETE"));
  }
}

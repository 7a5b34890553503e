package io.statehouse.runtime.catalog;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.statehouse.runtime.CborSerializable;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How an HTTP tool is reached. The input is sent as a JSON body (or as query parameters for GET and
 * DELETE); {@code headers} are added to every call, secret references resolved for the call's
 * tenant at call time (see {@link HeaderValue}).
 *
 * @param notApplied the 4xx statuses the tool documents as "the request was not applied": such an
 *     answer proves the tool did not act, so a non-idempotent call that gets one is a plain failure
 *     the model may hear, not an unknown outcome for a human (any other non-2xx may have acted)
 */
public record HttpTarget(
    String method,
    String url,
    Map<String, HeaderValue> headers,
    // left out when empty: a tool without it keeps the stored shape it had before the field
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Set<Integer> notApplied)
    implements CborSerializable, ToolTarget {
  public HttpTarget {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(url, "url");
    headers = headers == null ? Map.of() : Map.copyOf(headers);
    // absent in tools pinned before the field existed
    notApplied = notApplied == null ? Set.of() : Set.copyOf(notApplied);
  }

  /** A target whose every non-2xx answer may have acted. */
  public HttpTarget(String method, String url, Map<String, HeaderValue> headers) {
    this(method, url, headers, Set.of());
  }

  /** Whether an answer with {@code status} proves the tool did not act. */
  public boolean provesNotApplied(int status) {
    return notApplied.contains(status);
  }

  public boolean sendsBody() {
    return !(method.equals("GET") || method.equals("DELETE"));
  }
}

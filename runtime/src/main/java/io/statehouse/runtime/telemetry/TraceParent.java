package io.statehouse.runtime.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A W3C trace context ({@code traceparent} and {@code tracestate} headers): a caller's, which a
 * turn's span continues, or a tool call's span's, which HTTP tools receive. It crosses the cluster
 * on commands, so it is checked when it enters: a {@code traceparent} that is not version 00 of the
 * W3C format is dropped, and so is a {@code tracestate} longer than the W3C's 512 characters.
 *
 * @param traceState null when there is none
 */
public record TraceParent(String traceParent, String traceState) {
  /** The W3C header names. */
  public static final String TRACEPARENT = "traceparent";

  public static final String TRACESTATE = "tracestate";

  private static final int MAX_TRACESTATE = 512;
  private static final Pattern VERSION_00 =
      Pattern.compile("00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}");

  private static final TextMapGetter<TraceParent> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(TraceParent carrier) {
          return List.of(TRACEPARENT, TRACESTATE);
        }

        @Override
        public String get(TraceParent carrier, String key) {
          if (carrier == null) {
            return null;
          }
          return TRACEPARENT.equals(key)
              ? carrier.traceParent
              : TRACESTATE.equals(key) ? carrier.traceState : null;
        }
      };

  /**
   * The context a caller sent, or null when {@code traceParent} is absent or malformed (a malformed
   * {@code tracestate} alone is dropped).
   */
  public static TraceParent fromHeaders(String traceParent, String traceState) {
    if (traceParent == null || !VERSION_00.matcher(traceParent).matches()) {
      return null;
    }
    String state =
        traceState == null || traceState.isBlank() || traceState.length() > MAX_TRACESTATE
            ? null
            : traceState;
    return new TraceParent(traceParent, state);
  }

  /** The headers of {@code span}'s context, or null when it is not a valid (recorded) one. */
  public static TraceParent of(Span span) {
    SpanContext sc = span.getSpanContext();
    if (!sc.isValid()) {
      return null;
    }
    String state = null;
    if (!sc.getTraceState().isEmpty()) {
      StringBuilder b = new StringBuilder();
      sc.getTraceState()
          .forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(k).append('=').append(v));
      state = b.toString();
    }
    return new TraceParent(
        "00-" + sc.getTraceId() + "-" + sc.getSpanId() + "-" + sc.getTraceFlags().asHex(), state);
  }

  /** The context it names, as a parent for spans started under it. */
  public Context context() {
    return W3CTraceContextPropagator.getInstance().extract(Context.root(), this, GETTER);
  }
}

package io.statehouse.runtime.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import org.junit.jupiter.api.Test;

/** What enters the cluster as a caller's trace context, and what a context becomes as headers. */
class TraceParentTest {
  private static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @Test
  void acceptsAVersion00TraceparentAndKeepsItsTracestate() {
    TraceParent t = TraceParent.fromHeaders(VALID, "vendor=opaque");
    assertEquals(VALID, t.traceParent());
    assertEquals("vendor=opaque", t.traceState());
    SpanContext parent = Span.fromContext(t.context()).getSpanContext();
    assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", parent.getTraceId());
    assertEquals("00f067aa0ba902b7", parent.getSpanId());
    assertTrue(parent.isRemote());
  }

  @Test
  void dropsMalformedOrAllZeroOrFutureVersionContexts() {
    assertNull(TraceParent.fromHeaders(null, null));
    assertNull(TraceParent.fromHeaders("garbage", null));
    assertNull(TraceParent.fromHeaders(VALID + "-extra", null));
    assertNull(TraceParent.fromHeaders(VALID.toUpperCase(java.util.Locale.ROOT), null));
    assertNull(
        TraceParent.fromHeaders("00-00000000000000000000000000000000-00f067aa0ba902b7-01", null));
    assertNull(
        TraceParent.fromHeaders("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", null));
    assertNull(TraceParent.fromHeaders("ff" + VALID.substring(2), null));
  }

  @Test
  void dropsATracestateLongerThanTheW3cLimitButKeepsTheParent() {
    TraceParent t = TraceParent.fromHeaders(VALID, "k=" + "v".repeat(600));
    assertEquals(VALID, t.traceParent());
    assertNull(t.traceState());
  }

  @Test
  void aSpanBecomesTheHeadersOfItsContextAndAnInvalidOneNone() {
    TraceParent caller = TraceParent.fromHeaders(VALID, "vendor=opaque");
    Span remote = Span.fromContext(caller.context());
    TraceParent back = TraceParent.of(remote);
    assertEquals(VALID, back.traceParent());
    assertEquals("vendor=opaque", back.traceState());
    assertNull(TraceParent.of(Span.getInvalid()));
  }
}

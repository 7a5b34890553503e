package io.statehouse.runtime.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.statehouse.runtime.testing.PrometheusText;
import org.junit.jupiter.api.Test;

/** The tests' text-format parser refuses what a Prometheus server would refuse or misread. */
class PrometheusTextTest {
  private static final String HISTOGRAM =
      """
      # HELP h_seconds A histogram.
      # TYPE h_seconds histogram
      h_seconds_bucket{a="x",le="0.5"} 1
      h_seconds_bucket{a="x",le="1.0"} 3
      h_seconds_bucket{a="x",le="+Inf"} 4
      h_seconds_count{a="x"} 4
      h_seconds_sum{a="x"} 2.5
      """;

  @Test
  void readsAWellFormedHistogramAndEscapedLabels() {
    PrometheusText t =
        PrometheusText.parse(
            HISTOGRAM
                + "# TYPE c_total counter\n"
                + "c_total{v=\"q\\\"uote \\\\ back\\nline\"} 7.0\n");
    assertEquals(4.0, t.value("h_seconds_count", "a", "x"));
    assertEquals(7.0, t.value("c_total", "v", "q\"uote \\ back\nline"));
    assertEquals("A histogram.", t.family("h_seconds").help());
  }

  @Test
  void refusesBucketsThatAreNotCumulative() {
    assertThrows(
        IllegalArgumentException.class,
        () -> PrometheusText.parse(HISTOGRAM.replace("} 3\n", "} 0\n")));
  }

  @Test
  void refusesAHistogramWithoutInfOrWhoseCountDisagrees() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            PrometheusText.parse(
                HISTOGRAM.replace("h_seconds_bucket{a=\"x\",le=\"+Inf\"} 4\n", "")));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            PrometheusText.parse(
                HISTOGRAM.replace("h_seconds_count{a=\"x\"} 4", "h_seconds_count{a=\"x\"} 5")));
    assertThrows(
        IllegalArgumentException.class,
        () -> PrometheusText.parse(HISTOGRAM.replace("h_seconds_sum{a=\"x\"} 2.5\n", "")));
  }

  @Test
  void refusesSamplesWithoutTypeSplitFamiliesAndDuplicates() {
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("c_total 1\n"));
    assertThrows(
        IllegalArgumentException.class,
        () -> PrometheusText.parse("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"y\"} 2\n"));
    assertThrows(
        IllegalArgumentException.class,
        () -> PrometheusText.parse("# TYPE a gauge\na{x=\"y\"} 1\na{x=\"y\"} 2\n"));
    assertThrows(
        IllegalArgumentException.class,
        () -> PrometheusText.parse("# TYPE a gauge\n# TYPE a gauge\na 1\n"));
  }

  @Test
  void refusesBadEscapesUnquotedLabelsAndBadNames() {
    assertThrows(
        IllegalArgumentException.class,
        () -> PrometheusText.parse("# TYPE a gauge\na{x=\"\\t\"} 1\n"));
    assertThrows(
        IllegalArgumentException.class, () -> PrometheusText.parse("# TYPE a gauge\na{x=y} 1\n"));
    assertThrows(
        IllegalArgumentException.class, () -> PrometheusText.parse("# TYPE 1a gauge\n1a 1\n"));
    assertThrows(
        IllegalArgumentException.class,
        () -> PrometheusText.parse("# TYPE a gauge\na{x=\"y\"} one\n"));
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("# TYPE a gauge\na 1"));
  }
}

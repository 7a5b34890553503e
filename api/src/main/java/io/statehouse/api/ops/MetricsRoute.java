package io.statehouse.api.ops;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /metrics}: the node's metric families in the Prometheus text format 0.0.4. For the
 * node's management port only: the metrics name every tenant, so the tenants' API port never serves
 * them. A scrape renders what the families hold now; nothing is computed per scrape.
 */
public final class MetricsRoute extends AllDirectives {
  /** The content type Prometheus expects of the text format. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final ContentType TEXT_0_0_4 = ContentTypes.parse(CONTENT_TYPE);

  private final PrometheusRegistry registry;
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  public MetricsRoute(PrometheusRegistry registry) {
    this.registry = registry;
  }

  /** The metrics as a scrape would return them. */
  public String scrape() {
    return new String(render(), StandardCharsets.UTF_8);
  }

  private byte[] render() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      // a ByteArrayOutputStream does not fail
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** {@code GET /metrics}, to mount on the management port. */
  public Route route() {
    return path(
        "metrics",
        () ->
            get(
                () ->
                    // rendered per request, not when the route is built
                    extractRequest(
                        request ->
                            complete(
                                HttpResponse.create()
                                    .withEntity(HttpEntities.create(TEXT_0_0_4, render()))))));
  }
}

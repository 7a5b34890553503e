package io.statehouse.api.ops;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's OpenTelemetry SDK: spans batched in memory and exported over OTLP/HTTP (the JDK's
 * HttpClient) to {@code statehouse.telemetry.otlp.endpoint}, or nothing at all when it is empty.
 * The SDK is the node's own, never the process-wide global: several nodes may share a JVM.
 */
public final class Tracing implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Tracing.class);

  /** The instrumentation scope of Statehouse's spans. */
  public static final String SCOPE = "io.statehouse";

  private final SdkTracerProvider provider;
  private final Duration shutdownTimeout;

  private Tracing(SdkTracerProvider provider, Duration shutdownTimeout) {
    this.provider = provider;
    this.shutdownTimeout = shutdownTimeout;
  }

  /** No traces. */
  public static Tracing off() {
    return new Tracing(null, Duration.ZERO);
  }

  /**
   * From {@code statehouse.telemetry}; {@code nodeAddress} (the node's cluster address) becomes the
   * spans' {@code service.instance.id}.
   */
  public static Tracing fromConfig(Config root, String nodeAddress) {
    Config t = root.getConfig("statehouse.telemetry");
    Config otlp = t.getConfig("otlp");
    String endpoint = otlp.getString("endpoint").trim();
    if (endpoint.isEmpty()) {
      return off();
    }
    double ratio = t.getDouble("traces.sample-ratio");
    if (ratio < 0 || ratio > 1) {
      throw new IllegalArgumentException(
          "statehouse.telemetry.traces.sample-ratio must be between 0 and 1, not " + ratio);
    }
    OtlpHttpSpanExporterBuilder exporter =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(endpoint)
            .setTimeout(otlp.getDuration("timeout"))
            .setCompression(otlp.getString("compression"));
    for (Map.Entry<String, ConfigValue> h : otlp.getConfig("headers").entrySet()) {
      exporter.addHeader(h.getKey(), String.valueOf(h.getValue().unwrapped()));
    }
    Resource resource =
        Resource.getDefault()
            .merge(
                Resource.create(
                    Attributes.of(
                        AttributeKey.stringKey("service.name"),
                        t.getString("service-name"),
                        AttributeKey.stringKey("service.instance.id"),
                        nodeAddress)));
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(resource)
            .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(ratio)))
            .addSpanProcessor(
                BatchSpanProcessor.builder(exporter.build())
                    .setScheduleDelay(otlp.getDuration("schedule-delay"))
                    .setMaxQueueSize(otlp.getInt("max-queue-size"))
                    .setMaxExportBatchSize(otlp.getInt("max-export-batch-size"))
                    .setExporterTimeout(otlp.getDuration("timeout"))
                    .build())
            .build();
    // where to, without the path or anything a URL may carry besides its host
    URI uri = URI.create(endpoint);
    log.info(
        "Traces: exported over OTLP/HTTP to {}://{}:{}, sampling {} of new traces",
        uri.getScheme(),
        uri.getHost(),
        uri.getPort(),
        ratio);
    return new Tracing(provider, otlp.getDuration("shutdown-timeout"));
  }

  /** The tracer of Statehouse's spans, or null when the node exports none. */
  public Tracer tracer() {
    return provider == null ? null : provider.get(SCOPE);
  }

  /** Exports what is left (within the shutdown timeout) and stops. */
  @Override
  public void close() {
    if (provider != null) {
      provider.shutdown().join(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}

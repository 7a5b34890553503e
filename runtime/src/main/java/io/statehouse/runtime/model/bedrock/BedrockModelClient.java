package io.statehouse.runtime.model.bedrock;

import com.typesafe.config.Config;
import io.statehouse.runtime.model.Backoff;
import io.statehouse.runtime.model.ModelCallException;
import io.statehouse.runtime.model.ModelClient;
import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.ModelRequest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.ProtocolNegotiation;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClientBuilder;

/**
 * The {@code bedrock} provider: Amazon Bedrock Runtime through the AWS SDK's async client,
 * ConverseStream by default (text and tool-input deltas go to the call's sink as they arrive),
 * Converse when the agent turns streaming off. Cancelling a call's future abandons it ({@link
 * BedrockCall}).
 *
 * <p>Credentials come from the default AWS chain, the region from the agent ({@code model.region}),
 * the node ({@code statehouse.models.bedrock.region}) or the default region chain, looked up once
 * off the caller's thread (it may wait on the instance metadata service). One client per region,
 * made on first use, all sharing one HTTP client (HTTP/1.1, enough for Converse and
 * ConverseStream); a node whose agents never use Bedrock starts none of it.
 *
 * <p>The SDK does not retry: {@link BedrockCall} retries throttling, not-ready, 5xx and failed
 * connections with full-jitter backoff inside the call's budget, and classifies what it gives up on
 * as a {@link ModelCallException} the turn records.
 */
public final class BedrockModelClient implements ModelClient, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BedrockModelClient.class);

  private final BedrockSettings settings;
  private final AwsCredentialsProvider credentials;
  private final Map<String, BedrockRuntimeAsyncClient> clients = new ConcurrentHashMap<>();
  private volatile SdkAsyncHttpClient http;
  private final Backoff backoff;
  private final Supplier<Optional<String>> defaultRegion;
  // the default chain's answer, once looked up; null until then
  private volatile CompletableFuture<Optional<String>> chainRegion;

  public BedrockModelClient(BedrockSettings settings, AwsCredentialsProvider credentials) {
    this(settings, credentials, BedrockModelClient::lookUpRegion);
  }

  /**
   * {@code defaultRegion}: the region of agents and nodes that name none, looked up once, off the
   * caller's thread (the default AWS chain may ask the instance metadata service and wait).
   */
  BedrockModelClient(
      BedrockSettings settings,
      AwsCredentialsProvider credentials,
      Supplier<Optional<String>> defaultRegion) {
    this.settings = settings;
    this.credentials = credentials;
    this.defaultRegion = defaultRegion;
    this.backoff =
        new Backoff(settings.backoffMin(), settings.backoffMax(), "statehouse-bedrock-backoff");
  }

  /** The node's provider: {@code statehouse.models.bedrock} and the default credentials chain. */
  public static BedrockModelClient fromConfig(Config root) {
    return new BedrockModelClient(
        BedrockSettings.fromConfig(root), DefaultCredentialsProvider.builder().build());
  }

  @Override
  public CompletionStage<ModelReply> converse(
      ModelRequest request, Consumer<ModelDelta> deltaSink) {
    BedrockOptions.Parsed parsed = BedrockOptions.parse(request.model());
    if (parsed.options().isEmpty()) {
      // registration checks the same rules: only an agent stored before them gets here
      return CompletableFuture.failedFuture(
          new ModelCallException("model_invalid", String.join("; ", parsed.problems()), false));
    }
    BedrockOptions options = parsed.options().get();
    long deadline = System.nanoTime() + settings.callBudget().toNanos();
    Optional<String> named = options.region().or(settings::region);
    CompletableFuture<Optional<String>> region =
        named.isPresent() ? CompletableFuture.completedFuture(named) : chainRegion();
    CompletableFuture<BedrockRuntimeAsyncClient> client =
        region.thenApply(
            r -> {
              if (r.isEmpty()) {
                throw new ModelCallException(
                    "model_region",
                    "no AWS region for Bedrock: set model.region on the agent,"
                        + " statehouse.models.bedrock.region on the node, or AWS_REGION",
                    false);
              }
              return clients.computeIfAbsent(r.get(), this::newClient);
            });
    // the call's own future, not a stage after the region: its cancel must reach the call
    return new BedrockCall(request, options, deltaSink, this, deadline).start(client);
  }

  /** The default chain's region, looked up on first need on the backoff thread, then kept. */
  private CompletableFuture<Optional<String>> chainRegion() {
    CompletableFuture<Optional<String>> r = chainRegion;
    if (r == null) {
      synchronized (this) {
        if (chainRegion == null) {
          chainRegion = CompletableFuture.supplyAsync(defaultRegion, scheduler());
        }
        r = chainRegion;
      }
    }
    return r;
  }

  /**
   * A full-jitter pause before retry number {@code attempt} (1 = the first retry), or null when it
   * would not end before the call's deadline.
   */
  CompletableFuture<Void> pause(int attempt, long deadlineNanos) {
    return backoff.pause(attempt, deadlineNanos, Optional.empty());
  }

  int maxAttempts() {
    return settings.maxAttempts();
  }

  private static Optional<String> lookUpRegion() {
    try {
      return Optional.of(DefaultAwsRegionProviderChain.builder().build().getRegion().id());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private BedrockRuntimeAsyncClient newClient(String region) {
    BedrockRuntimeAsyncClientBuilder b =
        BedrockRuntimeAsyncClient.builder()
            .region(Region.of(region))
            .credentialsProvider(credentials)
            .httpClient(http())
            // retries are BedrockCall's, with jitter and inside the call's budget
            .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()));
    settings.endpoint().ifPresent(b::endpointOverride);
    log.info(
        "Bedrock client for region {}{}",
        region,
        settings.endpoint().map(e -> " at " + e).orElse(""));
    return b.build();
  }

  private SdkAsyncHttpClient http() {
    SdkAsyncHttpClient h = http;
    if (h == null) {
      synchronized (this) {
        if (http == null) {
          http =
              NettyNioAsyncHttpClient.builder()
                  // HTTP/1.1 serves Converse and ConverseStream, over https and over a local http
                  .protocol(Protocol.HTTP1_1)
                  .protocolNegotiation(ProtocolNegotiation.ASSUME_PROTOCOL)
                  .connectionTimeout(settings.connectTimeout())
                  .readTimeout(settings.readTimeout())
                  .maxConcurrency(settings.maxConnections())
                  .build();
        }
        h = http;
      }
    }
    return h;
  }

  /** The backoff timer: pauses between attempts, and the region lookup. */
  ScheduledExecutorService scheduler() {
    return backoff.timer();
  }

  @Override
  public void close() {
    clients.values().forEach(BedrockRuntimeAsyncClient::close);
    clients.clear();
    if (http != null) {
      http.close();
    }
    backoff.close();
  }
}

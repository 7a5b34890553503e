package io.statehouse.runtime.model.openai;

import com.typesafe.config.Config;
import io.statehouse.runtime.model.Backoff;
import io.statehouse.runtime.model.ModelCallException;
import io.statehouse.runtime.model.ModelClient;
import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.ModelRequest;
import io.statehouse.runtime.tool.egress.EgressGuard;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The {@code openai} provider: any OpenAI-compatible chat-completions server (OpenAI, vLLM, Ollama,
 * llama.cpp server) through the JDK's HTTP client, streamed as server-sent events by default (text
 * and tool-argument deltas go to the call's sink as they arrive), one JSON reply when the agent
 * turns streaming off. Cancelling a call's future abandons it ({@link OpenAiCall}).
 *
 * <p>Where a call may go is decided twice: at registration and before each call, {@link
 * OpenAiOptions#parse} lets an agent name only a key variable of {@code
 * statehouse.models.openai.api-keys}, sent only to its base URL prefixes, so a tenant cannot send
 * the node's keys to a server of its choosing; before each attempt, the tenant's egress policy must
 * admit the base URL (nothing is sent otherwise). No proxy, no redirects followed.
 *
 * <p>The key is read from the node's environment at call time and only ever written into the
 * Authorization header. One HTTP client, made on first use; a node whose agents never use this
 * provider starts none of it. {@link OpenAiCall} retries throttling, 5xx and failed connections
 * with full-jitter backoff inside the call's budget.
 */
public final class OpenAiModelClient implements ModelClient, AutoCloseable {
  private final OpenAiSettings settings;
  private final EgressGuard egress;
  private final Function<String, String> env;
  private volatile HttpClient http;
  private final Backoff backoff;

  /**
   * @param env reads the node's environment variables ({@code System::getenv} in production)
   */
  OpenAiModelClient(OpenAiSettings settings, EgressGuard egress, Function<String, String> env) {
    this.settings = settings;
    this.egress = egress;
    this.env = env;
    this.backoff =
        new Backoff(settings.backoffMin(), settings.backoffMax(), "statehouse-openai-timer");
  }

  /**
   * The node's provider: {@code statehouse.models.openai}, the node's egress guard (the one tools
   * use) and the process environment.
   */
  public static OpenAiModelClient fromConfig(Config root, EgressGuard egress) {
    return new OpenAiModelClient(OpenAiSettings.fromConfig(root), egress, System::getenv);
  }

  /** The settings agents' options are checked against ({@link OpenAiOptions#parse}). */
  public OpenAiSettings settings() {
    return settings;
  }

  @Override
  public CompletionStage<ModelReply> converse(
      ModelRequest request, Consumer<ModelDelta> deltaSink) {
    OpenAiOptions.Parsed parsed = OpenAiOptions.parse(request.model(), settings);
    if (parsed.options().isEmpty()) {
      // registration checks the same rules: an agent stored before them, or before the node's
      // api-keys changed, gets here
      return CompletableFuture.failedFuture(
          new ModelCallException("model_invalid", String.join("; ", parsed.problems()), false));
    }
    OpenAiOptions options = parsed.options().get();
    Optional<String> key = Optional.empty();
    if (options.apiKeyEnv().isPresent()) {
      String name = options.apiKeyEnv().get();
      String value = env.apply(name);
      if (value == null || value.isBlank()) {
        return CompletableFuture.failedFuture(
            new ModelCallException(
                "model_credentials",
                "the environment variable "
                    + name
                    + " (model.apiKeyEnv) is not set on this node, so there is no API key to send",
                false));
      }
      key = Optional.of(value.trim());
    }
    long deadline = System.nanoTime() + settings.callBudget().toNanos();
    try {
      return new OpenAiCall(this, http(), egress, request, options, key, deltaSink, deadline)
          .start();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * A pause before retry number {@code attempt} (1 = the first retry): what the server asked for
   * when it said, else full jitter; null when it would not end before the call's deadline.
   */
  CompletableFuture<Void> pause(int attempt, long deadlineNanos, Optional<Duration> retryAfter) {
    return backoff.pause(attempt, deadlineNanos, retryAfter);
  }

  int maxAttempts() {
    return settings.maxAttempts();
  }

  private HttpClient http() {
    HttpClient h = http;
    if (h == null) {
      synchronized (this) {
        if (http == null) {
          http =
              HttpClient.newBuilder()
                  .connectTimeout(settings.connectTimeout())
                  // HTTP/1.1 everywhere: no h2c upgrade for local servers to trip on
                  .version(HttpClient.Version.HTTP_1_1)
                  // the egress check admitted this URL, not wherever a redirect would lead
                  .followRedirects(HttpClient.Redirect.NEVER)
                  // and the connection goes to it, not to a proxy the JVM was configured with
                  .proxy(HttpClient.Builder.NO_PROXY)
                  .build();
        }
        h = http;
      }
    }
    return h;
  }

  /** Backoff pauses and body watchdogs. */
  ScheduledExecutorService scheduler() {
    return backoff.timer();
  }

  @Override
  public void close() {
    backoff.close();
  }
}

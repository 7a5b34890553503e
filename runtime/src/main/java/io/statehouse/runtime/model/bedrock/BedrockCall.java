package io.statehouse.runtime.model.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.Futures;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.Backoff;
import io.statehouse.runtime.model.ModelCallException;
import io.statehouse.runtime.model.ModelDelta;
import io.statehouse.runtime.model.ModelReply;
import io.statehouse.runtime.model.ModelRequest;
import io.statehouse.runtime.model.ToolUse;
import io.statehouse.runtime.model.Usage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.document.Document;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.model.AccessDeniedException;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockDeltaEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockStartEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamMetadataEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailStreamConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.InternalServerException;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.MessageStopEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ModelErrorException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelNotReadyException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelStreamErrorException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelTimeoutException;
import software.amazon.awssdk.services.bedrockruntime.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockruntime.model.ServiceQuotaExceededException;
import software.amazon.awssdk.services.bedrockruntime.model.ServiceUnavailableException;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;
import software.amazon.awssdk.services.bedrockruntime.model.TokenUsage;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

/**
 * One model call on Bedrock: attempts, each a Converse or a ConverseStream request built from the
 * same conversation, until one answers, a failure is final, the attempts run out, or the next
 * backoff would not fit in the call's budget. A streamed attempt that already passed text or tool
 * input on is never repeated: the live stream has shown it.
 *
 * <p>Cancelling the future {@link #start} returns abandons the call: the SDK future of the attempt
 * under way is cancelled (the SDK aborts the request and closes its connection), a pending backoff
 * is dropped with its timer, no further attempt starts, and no delta reaches the sink after the
 * cancel (but for one being handed over at that moment).
 */
final class BedrockCall {
  private final ModelRequest request;
  private final BedrockOptions options;
  private final Consumer<ModelDelta> deltaSink;
  private final BedrockModelClient owner;
  private final long deadlineNanos;
  private final CompletableFuture<ModelReply> result = new CompletableFuture<>();
  private volatile boolean streamed;
  private volatile BedrockRuntimeAsyncClient client;
  // what cancelling the call must stop: the SDK future of the attempt under way, or the pause
  // before the next one
  private volatile CompletableFuture<?> inFlight;

  BedrockCall(
      ModelRequest request,
      BedrockOptions options,
      Consumer<ModelDelta> deltaSink,
      BedrockModelClient owner,
      long deadlineNanos) {
    this.request = request;
    this.options = options;
    this.deltaSink = deltaSink;
    this.owner = owner;
    this.deadlineNanos = deadlineNanos;
  }

  /**
   * Starts the first attempt once {@code regionClient} (the client of the call's region) is there;
   * the returned future is the call's, and cancelling it abandons the call.
   */
  CompletableFuture<ModelReply> start(CompletionStage<BedrockRuntimeAsyncClient> regionClient) {
    result.whenComplete(
        (reply, error) -> {
          if (result.isCancelled()) {
            abandon();
          }
        });
    regionClient.whenComplete(
        (c, error) -> {
          if (error != null) {
            result.completeExceptionally(Futures.unwrap(error));
            return;
          }
          client = c;
          attempt(1);
        });
    return result;
  }

  private void abandon() {
    CompletableFuture<?> f = inFlight;
    if (f != null) {
      f.cancel(true);
    }
  }

  /**
   * Makes {@code f} what a cancel stops; cancels it at once when the call was cancelled already
   * (the cancel ran before {@code f} existed).
   */
  private <T extends CompletableFuture<?>> T track(T f) {
    inFlight = f;
    if (result.isDone()) {
      f.cancel(true);
    }
    return f;
  }

  /** Passes a delta on, unless the call is over (a cancelled call shows nothing more). */
  private void emit(ModelDelta delta) {
    if (result.isDone()) {
      return;
    }
    streamed = true;
    deltaSink.accept(delta);
  }

  private void attempt(int n) {
    if (result.isDone()) {
      return; // cancelled while the pause ran out
    }
    CompletableFuture<ModelReply> one;
    try {
      one = options.streaming() ? stream() : converse();
    } catch (RuntimeException e) {
      one = CompletableFuture.failedFuture(e);
    }
    one.whenComplete(
        (reply, error) -> {
          if (result.isDone()) {
            return; // cancelled: whatever this attempt became, nothing follows it
          }
          if (error == null) {
            result.complete(reply);
            return;
          }
          ModelCallException failure = classify(Futures.unwrap(error));
          if (!failure.retryable() || n >= owner.maxAttempts() || streamed) {
            result.completeExceptionally(finalFailure(failure, n));
            return;
          }
          CompletableFuture<Void> pause = owner.pause(n, deadlineNanos);
          if (pause == null) {
            result.completeExceptionally(finalFailure(failure, n));
            return;
          }
          track(pause).thenRun(() -> attempt(n + 1));
        });
  }

  /** What the turn records: the last failure, no longer retryable by the session. */
  private static ModelCallException finalFailure(ModelCallException f, int attempts) {
    String message =
        attempts > 1 ? f.getMessage() + " (after " + attempts + " attempts)" : f.getMessage();
    return new ModelCallException(f.code(), message, false);
  }

  private AwsRequestOverrideConfiguration budget() {
    return AwsRequestOverrideConfiguration.builder()
        .apiCallTimeout(Backoff.remaining(deadlineNanos))
        .build();
  }

  /** What Converse and ConverseStream requests share, built from the call's conversation. */
  private record Parts(
      List<Message> messages,
      List<SystemContentBlock> system,
      Optional<ToolConfiguration> tools,
      Optional<InferenceConfiguration> inference,
      Optional<Document> additional) {}

  private Parts parts() {
    boolean cache = options.promptCache();
    return new Parts(
        BedrockConversation.messages(request, cache),
        BedrockConversation.system(request, cache),
        BedrockConversation.tools(request, cache),
        inference(),
        Optional.ofNullable(options.additionalFields()).map(Documents::toDocument));
  }

  private CompletableFuture<ModelReply> converse() {
    Parts p = parts();
    ConverseRequest.Builder b =
        ConverseRequest.builder()
            .modelId(options.modelId())
            .messages(p.messages())
            .overrideConfiguration(budget());
    if (!p.system().isEmpty()) {
      b.system(p.system());
    }
    p.tools().ifPresent(b::toolConfig);
    p.inference().ifPresent(b::inferenceConfig);
    p.additional().ifPresent(b::additionalModelRequestFields);
    options
        .guardrail()
        .ifPresent(
            g ->
                b.guardrailConfig(
                    GuardrailConfiguration.builder()
                        .guardrailIdentifier(g.id())
                        .guardrailVersion(g.version())
                        .trace(g.trace())
                        .build()));
    return track(client.converse(b.build())).thenApply(BedrockCall::reply);
  }

  private CompletableFuture<ModelReply> stream() {
    Parts p = parts();
    ConverseStreamRequest.Builder b =
        ConverseStreamRequest.builder()
            .modelId(options.modelId())
            .messages(p.messages())
            .overrideConfiguration(budget());
    if (!p.system().isEmpty()) {
      b.system(p.system());
    }
    p.tools().ifPresent(b::toolConfig);
    p.inference().ifPresent(b::inferenceConfig);
    p.additional().ifPresent(b::additionalModelRequestFields);
    options
        .guardrail()
        .ifPresent(
            g ->
                b.guardrailConfig(
                    GuardrailStreamConfiguration.builder()
                        .guardrailIdentifier(g.id())
                        .guardrailVersion(g.version())
                        .trace(g.trace())
                        .build()));
    Assembly assembly = new Assembly();
    ConverseStreamResponseHandler handler =
        ConverseStreamResponseHandler.builder()
            .subscriber(
                ConverseStreamResponseHandler.Visitor.builder()
                    .onContentBlockStart(assembly::start)
                    .onContentBlockDelta(assembly::delta)
                    .onMessageStop(assembly::stop)
                    .onMetadata(assembly::metadata)
                    .build())
            .build();
    return track(client.converseStream(b.build(), handler)).thenApply(ignored -> assembly.reply());
  }

  private Optional<InferenceConfiguration> inference() {
    if (options.maxTokens() == null
        && options.temperature() == null
        && options.topP() == null
        && options.stopSequences().isEmpty()) {
      return Optional.empty();
    }
    InferenceConfiguration.Builder i = InferenceConfiguration.builder();
    if (options.maxTokens() != null) {
      i.maxTokens(options.maxTokens());
    }
    if (options.temperature() != null) {
      i.temperature(options.temperature());
    }
    if (options.topP() != null) {
      i.topP(options.topP());
    }
    if (!options.stopSequences().isEmpty()) {
      i.stopSequences(options.stopSequences());
    }
    return Optional.of(i.build());
  }

  private static ModelReply reply(ConverseResponse r) {
    StringBuilder text = new StringBuilder();
    List<ToolUse> uses = new ArrayList<>();
    if (r.output() != null && r.output().message() != null) {
      for (ContentBlock c : r.output().message().content()) {
        if (c.text() != null) {
          text.append(c.text());
        } else if (c.toolUse() != null) {
          uses.add(
              new ToolUse(
                  c.toolUse().toolUseId(),
                  c.toolUse().name(),
                  Documents.toJson(c.toolUse().input())));
        }
      }
    }
    return new ModelReply(text.toString(), uses, r.stopReasonAsString(), usage(r.usage()));
  }

  static Usage usage(TokenUsage u) {
    if (u == null) {
      return Usage.ZERO;
    }
    return new Usage(
        orZero(u.inputTokens()),
        orZero(u.outputTokens()),
        BigDecimal.ZERO,
        u.cacheReadInputTokens() == null ? null : (long) u.cacheReadInputTokens(),
        u.cacheWriteInputTokens() == null ? null : (long) u.cacheWriteInputTokens());
  }

  private static long orZero(Integer n) {
    return n == null ? 0 : n;
  }

  /** Sorts an SDK failure into what the turn records and whether another attempt may help. */
  static ModelCallException classify(Throwable e) {
    if (e instanceof ModelCallException m) {
      return m;
    }
    if (e instanceof ThrottlingException) {
      return new ModelCallException(
          "model_throttled", "Bedrock throttled the call: " + message(e), true);
    }
    if (e instanceof ModelNotReadyException) {
      return new ModelCallException(
          "model_not_ready", "the model is not ready: " + message(e), true);
    }
    if (e instanceof ServiceUnavailableException || e instanceof InternalServerException) {
      return new ModelCallException("model_unavailable", "Bedrock failed: " + message(e), true);
    }
    if (e instanceof ModelTimeoutException) {
      return new ModelCallException("model_timeout", "the model timed out: " + message(e), true);
    }
    if (e instanceof ModelErrorException || e instanceof ModelStreamErrorException) {
      return new ModelCallException("model_error", "the model failed: " + message(e), true);
    }
    if (e instanceof ValidationException) {
      return new ModelCallException(
          "model_validation", "Bedrock refused the request: " + message(e), false);
    }
    if (e instanceof AccessDeniedException) {
      return new ModelCallException(
          "model_access_denied", "Bedrock denied access: " + message(e), false);
    }
    if (e instanceof ResourceNotFoundException) {
      return new ModelCallException(
          "model_not_found", "Bedrock has no such model: " + message(e), false);
    }
    if (e instanceof ServiceQuotaExceededException) {
      return new ModelCallException(
          "model_quota", "a Bedrock quota is exceeded: " + message(e), false);
    }
    if (e instanceof AwsServiceException s) {
      String code = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
      if (code != null
          && (code.contains("ExpiredToken")
              || code.contains("UnrecognizedClient")
              || code.contains("InvalidSignature")
              || code.contains("IncompleteSignature"))) {
        return new ModelCallException(
            "model_credentials", "Bedrock refused the AWS credentials: " + message(e), false);
      }
      return s.statusCode() >= 500
          ? new ModelCallException("model_unavailable", "Bedrock failed: " + message(e), true)
          : new ModelCallException(
              "model_rejected", "Bedrock refused the call: " + message(e), false);
    }
    if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
      return new ModelCallException(
          "model_timeout", "no answer from Bedrock within the call's budget", false);
    }
    if (e instanceof SdkClientException c) {
      String m = String.valueOf(c.getMessage());
      if (m.startsWith("Unable to load credentials")) {
        return new ModelCallException(
            "model_credentials",
            "no AWS credentials for Bedrock: the default AWS chain found none (environment,"
                + " system properties, profile, container or instance role)",
            false);
      }
      return new ModelCallException(
          "model_connection", "cannot reach Bedrock: " + firstLine(m), true);
    }
    return new ModelCallException(
        "model_error",
        e.getClass().getSimpleName() + ": " + firstLine(String.valueOf(e.getMessage())),
        true);
  }

  private static String message(Throwable e) {
    if (e instanceof AwsServiceException s
        && s.awsErrorDetails() != null
        && s.awsErrorDetails().errorMessage() != null) {
      return s.awsErrorDetails().errorMessage();
    }
    return firstLine(String.valueOf(e.getMessage()));
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 500 ? line.substring(0, 500) + "…" : line;
  }

  /**
   * The parts of a streamed reply, by content block index, in order; text and tool-input pieces go
   * on to the sink as they come, a tool use's pieces under the id and name of its block's start.
   */
  private final class Assembly {
    private final Map<Integer, Block> blocks = new TreeMap<>();
    private volatile String stopReason;
    private volatile Usage usage = Usage.ZERO;

    synchronized void start(ContentBlockStartEvent e) {
      Block b = block(e.contentBlockIndex());
      if (e.start() != null && e.start().toolUse() != null) {
        b.toolUseId = e.start().toolUse().toolUseId();
        b.name = e.start().toolUse().name();
      }
    }

    void delta(ContentBlockDeltaEvent e) {
      if (e.delta() == null) {
        return;
      }
      String text = e.delta().text();
      ModelDelta out = null;
      synchronized (this) {
        Block b = block(e.contentBlockIndex());
        if (text != null) {
          b.text.append(text);
          if (!text.isEmpty()) {
            out = new ModelDelta.Text(text);
          }
        } else if (e.delta().toolUse() != null && e.delta().toolUse().input() != null) {
          String piece = e.delta().toolUse().input();
          b.input.append(piece);
          // without its start event the block is no tool use in the reply either
          if (b.toolUseId != null && !piece.isEmpty()) {
            out = new ModelDelta.ToolInput(b.toolUseId, b.name, piece);
          }
        }
      }
      if (out != null) {
        emit(out);
      }
    }

    void stop(MessageStopEvent e) {
      stopReason = e.stopReasonAsString();
    }

    void metadata(ConverseStreamMetadataEvent e) {
      usage = usage(e.usage());
    }

    synchronized ModelReply reply() {
      if (stopReason == null) {
        // a stream cut short can end like a finished one; only messageStop says the reply is whole
        throw new ModelCallException(
            "model_connection", "the reply stream from Bedrock ended before the reply did", true);
      }
      StringBuilder text = new StringBuilder();
      List<ToolUse> uses = new ArrayList<>();
      for (Block b : blocks.values()) {
        if (b.toolUseId != null) {
          uses.add(new ToolUse(b.toolUseId, b.name, input(b)));
        } else {
          text.append(b.text);
        }
      }
      return new ModelReply(text.toString(), uses, stopReason, usage);
    }

    private JsonNode input(Block b) {
      String json = b.input.toString().trim();
      if (json.isEmpty()) {
        return Json.object();
      }
      try {
        return Json.MAPPER.readTree(json);
      } catch (Exception e) {
        throw new ModelCallException(
            "model_malformed_output",
            "the model's input for tool "
                + b.name
                + " is not JSON (stop reason "
                + stopReason
                + ")",
            false);
      }
    }

    private Block block(Integer index) {
      return blocks.computeIfAbsent(index == null ? 0 : index, i -> new Block());
    }
  }

  private static final class Block {
    final StringBuilder text = new StringBuilder();
    final StringBuilder input = new StringBuilder();
    String toolUseId;
    String name;
  }
}

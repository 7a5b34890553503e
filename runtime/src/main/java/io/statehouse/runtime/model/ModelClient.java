package io.statehouse.runtime.model;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The port to a model provider: one asynchronous call. Providers stream text through {@code
 * deltaSink} as it arrives and complete the stage with the whole reply. Provider SDK types never
 * cross this interface.
 */
public interface ModelClient {
  CompletionStage<ModelReply> converse(ModelRequest request, Consumer<String> deltaSink);
}

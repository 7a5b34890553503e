package io.statehouse.runtime.model;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The port to a model provider: one asynchronous call. Providers stream the answer's text and tool
 * inputs through {@code deltaSink} as they arrive (on any thread) and complete the stage with the
 * whole reply. Cancelling the stage's future abandons the call: a provider stops reading and closes
 * the request, so that an abandoned answer stops costing tokens. Provider SDK types never cross
 * this interface.
 */
public interface ModelClient {
  CompletionStage<ModelReply> converse(ModelRequest request, Consumer<ModelDelta> deltaSink);
}

package io.statehouse.runtime.model;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The model providers a node has, by provider name ({@code scripted}, {@code bedrock}, …). */
public final class ModelClients {
  private final Map<String, ModelClient> byProvider;

  public ModelClients(Map<String, ModelClient> byProvider) {
    this.byProvider = Map.copyOf(byProvider);
  }

  public Optional<ModelClient> forProvider(String provider) {
    return Optional.ofNullable(byProvider.get(provider));
  }

  public Set<String> providers() {
    return byProvider.keySet();
  }
}

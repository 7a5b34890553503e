package io.statehouse.runtime.model;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The model providers a node has, by provider name ({@code scripted}, {@code bedrock}, …), and the
 * price table their calls are costed with.
 */
public final class ModelClients {
  private final Map<String, ModelClient> byProvider;
  private final Prices prices;

  public ModelClients(Map<String, ModelClient> byProvider, Prices prices) {
    this.byProvider = Map.copyOf(byProvider);
    this.prices = prices;
  }

  /** Without prices: every call costs 0. */
  public ModelClients(Map<String, ModelClient> byProvider) {
    this(byProvider, Prices.NONE);
  }

  public Optional<ModelClient> forProvider(String provider) {
    return Optional.ofNullable(byProvider.get(provider));
  }

  public Set<String> providers() {
    return byProvider.keySet();
  }

  public Prices prices() {
    return prices;
  }
}

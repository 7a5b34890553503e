package io.statehouse.runtime.model;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.statehouse.runtime.catalog.ModelSpec;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's price table ({@code statehouse.models.prices}): provider → model id → {@link Price}.
 * Bedrock ids are also looked up without a cross-region prefix ({@code us.}, {@code eu.}, …) and,
 * for an ARN, by the id it ends in; {@code "*"} prices a provider's other models.
 */
public final class Prices {
  private static final Logger log = LoggerFactory.getLogger(Prices.class);

  /** Cross-region inference-profile prefixes Bedrock puts before a model id. */
  private static final Pattern REGION_PREFIX =
      Pattern.compile("^(us|eu|apac|us-gov|global|jp|au|ca)\\.");

  /** No prices: every call costs 0 (behaviour tests, benchmarks). */
  public static final Prices NONE = new Prices(Map.of());

  private final Map<String, Map<String, Price>> byProvider;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  public Prices(Map<String, Map<String, Price>> byProvider) {
    Map<String, Map<String, Price>> copy = new HashMap<>();
    byProvider.forEach((p, m) -> copy.put(p, Map.copyOf(m)));
    this.byProvider = Map.copyOf(copy);
  }

  public static Prices fromConfig(Config config) {
    String path = "statehouse.models.prices";
    if (!config.hasPath(path)) {
      return NONE;
    }
    Map<String, Map<String, Price>> table = new HashMap<>();
    for (Map.Entry<String, ConfigValue> provider : config.getObject(path).entrySet()) {
      Map<String, Price> models = new HashMap<>();
      ConfigObject modelsObject = objectAt(provider.getValue(), path + "." + provider.getKey());
      for (Map.Entry<String, ConfigValue> model : modelsObject.entrySet()) {
        String at = path + "." + provider.getKey() + ".\"" + model.getKey() + "\"";
        Config p = objectAt(model.getValue(), at).toConfig();
        try {
          BigDecimal input = amount(p, "input", null, at);
          models.put(
              model.getKey(),
              new Price(
                  input,
                  amount(p, "output", null, at),
                  amount(p, "cache-read", input, at),
                  amount(p, "cache-write", input, at)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
        }
      }
      table.put(provider.getKey(), models);
    }
    return new Prices(table);
  }

  private static ConfigObject objectAt(ConfigValue value, String at) {
    if (value.valueType() != ConfigValueType.OBJECT) {
      throw new IllegalArgumentException(at + " must be an object");
    }
    return (ConfigObject) value;
  }

  private static BigDecimal amount(Config p, String key, BigDecimal otherwise, String at) {
    if (!p.hasPath(key)) {
      if (otherwise == null) {
        throw new IllegalArgumentException(key + " is required (USD per million tokens)");
      }
      return otherwise;
    }
    ConfigValue v = p.getValue(key);
    if (v.valueType() != ConfigValueType.NUMBER) {
      throw new IllegalArgumentException(key + " must be a number (USD per million tokens)");
    }
    return new BigDecimal(v.unwrapped().toString());
  }

  /** The price of {@code model}'s calls, if the table has one. */
  public Optional<Price> of(ModelSpec model) {
    Map<String, Price> models = byProvider.get(model.provider());
    if (models == null) {
      return Optional.empty();
    }
    String id = model.id();
    if (id != null) {
      Price exact = models.get(id);
      if (exact != null) {
        return Optional.of(exact);
      }
      String base = id.startsWith("arn:") ? id.substring(id.lastIndexOf('/') + 1) : id;
      Price found = models.get(base);
      if (found == null) {
        found = models.get(REGION_PREFIX.matcher(base).replaceFirst(""));
      }
      if (found != null) {
        return Optional.of(found);
      }
    }
    return Optional.ofNullable(models.get("*"));
  }

  /**
   * {@code reply} with the cost of its usage at {@code model}'s price; unchanged (cost 0, as
   * providers report it) when the table has no price, which is logged once per model.
   */
  public ModelReply priced(ModelSpec model, ModelReply reply) {
    Optional<Price> price = of(model);
    if (price.isEmpty()) {
      if (this != NONE && warned.add(model.provider() + ":" + model.id())) {
        log.warn(
            "no price for {} model {}: its calls are counted at 0 USD; add one under "
                + "statehouse.models.prices (docs/models.md, Pricing)",
            model.provider(),
            model.id());
      }
      return reply;
    }
    Usage u = reply.usage();
    Usage costed =
        new Usage(
            u.inputTokens(),
            u.outputTokens(),
            price.get().cost(u),
            u.cacheReadTokens(),
            u.cacheWriteTokens());
    return new ModelReply(reply.text(), reply.toolUses(), reply.stopReason(), costed);
  }
}

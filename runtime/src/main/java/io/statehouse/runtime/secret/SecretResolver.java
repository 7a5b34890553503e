package io.statehouse.runtime.secret;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValueType;
import io.statehouse.runtime.catalog.HeaderValue;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Looks up a tenant's secrets when a tool call is made, so that only their names are ever stored. A
 * secret {@code NAME} of tenant {@code acme} is {@code statehouse.secrets.acme.NAME} in config,
 * else the environment variable {@code STATEHOUSE_SECRET_ACME_NAME}.
 *
 * <p>A tenant reaches only its own secrets. The environment form is read only for tenants whose
 * name is lower-case letters and digits: with {@code -} or {@code _} in tenant names, {@code
 * STATEHOUSE_SECRET_ACME_EU_KEY} could be tenant {@code acme}'s {@code EU_KEY} or tenant {@code
 * acme-eu}'s {@code KEY}, and a tenant could read another's secret by naming it. Such tenants use
 * the config form (which can itself read any environment variable with {@code ${?VAR}}).
 *
 * <p>Nothing here logs or reports a value; errors name the secret and the tenant only.
 */
public final class SecretResolver {
  public static final String ENV_PREFIX = "STATEHOUSE_SECRET_";

  private static final Pattern ENV_TENANT = Pattern.compile("[a-z0-9]+");

  private final Config secrets;
  private final UnaryOperator<String> env;

  /**
   * @param secrets the {@code statehouse.secrets} block: {@code <tenant>.<NAME> = "value"}
   * @param env environment lookup ({@code System::getenv} in a node)
   */
  public SecretResolver(Config secrets, UnaryOperator<String> env) {
    this.secrets = secrets;
    this.env = env;
  }

  /** The node's secrets: {@code statehouse.secrets} and the process environment. */
  public static SecretResolver fromConfig(Config config) {
    Config secrets =
        config.hasPath("statehouse.secrets")
            ? config.getConfig("statehouse.secrets")
            : ConfigFactory.empty();
    return new SecretResolver(secrets, System::getenv);
  }

  /** No secrets at all: every reference is missing (tests and tools without credentials). */
  public static SecretResolver none() {
    return new SecretResolver(ConfigFactory.empty(), name -> null);
  }

  /** The value of {@code name} for {@code tenant}; empty when it is not defined (or empty). */
  public Optional<String> resolve(String tenant, String name) {
    if (tenant == null || name == null || !HeaderValue.SECRET_NAME.matcher(name).matches()) {
      return Optional.empty();
    }
    // joinPath quotes the tenant: a tenant named "a.b" must not reach statehouse.secrets.a.b.NAME
    String path = ConfigUtil.joinPath(tenant, name);
    if (secrets.hasPath(path) && secrets.getValue(path).valueType() == ConfigValueType.STRING) {
      String value = secrets.getString(path);
      if (!value.isEmpty()) {
        return Optional.of(value);
      }
    }
    String var = envName(tenant, name);
    if (var == null) {
      return Optional.empty();
    }
    String value = env.apply(var);
    return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  public boolean defines(String tenant, String name) {
    return resolve(tenant, name).isPresent();
  }

  /**
   * The environment variable holding {@code name} for {@code tenant}, or null when the tenant's
   * name cannot be told apart in one (see the class comment).
   */
  public static String envName(String tenant, String name) {
    if (!ENV_TENANT.matcher(tenant).matches()) {
      return null;
    }
    return ENV_PREFIX + tenant.toUpperCase(Locale.ROOT) + "_" + name.toUpperCase(Locale.ROOT);
  }
}

package io.statehouse.api.deploy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import java.util.HashMap;
import java.util.Map;

/**
 * production.conf as a node loads it with {@code -Dconfig.resource=production.conf}, but with the
 * environment given here instead of the test JVM's, so a test says exactly what a pod would have.
 */
final class ProductionConfig {
  /** The variables production.conf requires, with values a pod could have. */
  static final Map<String, String> REQUIRED_ENV =
      Map.of(
          "STATEHOUSE_CASSANDRA_CONTACT_POINT", "cassandra.db.svc.cluster.local:9042",
          "STATEHOUSE_CASSANDRA_DC", "eu-west",
          "STATEHOUSE_SIGNING_KEYS_FILE", "/etc/statehouse/secrets/signing-keys.json",
          "STATEHOUSE_AUDIT_KEY", "c2VjcmV0LWF1ZGl0LWtleS1vZi0zMi1ieXRlcy1hdC1sZWFzdA==");

  private ProductionConfig() {}

  static Config load(Map<String, String> env) {
    // substitutions such as ${STATEHOUSE_CASSANDRA_DC} look the path up in the config first and
    // in the environment only then: variables as top-level keys stand in for the environment
    Config application =
        ConfigFactory.parseMap(env, "environment")
            .withFallback(ConfigFactory.parseResources("production.conf"));
    return ConfigFactory.load(application, ConfigResolveOptions.noSystem());
  }

  static Map<String, String> requiredEnvWith(Map<String, String> more) {
    Map<String, String> env = new HashMap<>(REQUIRED_ENV);
    env.putAll(more);
    return env;
  }
}

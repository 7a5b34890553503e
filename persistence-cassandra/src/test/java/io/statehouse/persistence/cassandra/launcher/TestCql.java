package io.statehouse.persistence.cassandra.launcher;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.internal.core.config.typesafe.DefaultDriverConfigLoader;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;

/** Driver sessions for integration tests. */
public final class TestCql {

  /** Schema changes on a busy 2-core machine can take longer than the driver's 2 s default. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private TestCql() {}

  public static CqlSession connect(InetSocketAddress contactPoint) {
    return CqlSession.builder()
        .addContactPoint(contactPoint)
        .withLocalDatacenter("datacenter1")
        .withConfigLoader(
            DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, REQUEST_TIMEOUT)
                .build())
        .build();
  }

  /** A session configured only by {@code config} (on top of the driver's reference.conf). */
  public static CqlSession connect(Config config) {
    Config driver =
        ConfigFactory.parseMap(
                Map.of(
                    "datastax-java-driver.basic.request.timeout",
                    REQUEST_TIMEOUT.toMillis() + "ms"))
            .withFallback(config)
            .withFallback(ConfigFactory.defaultReference())
            .resolve()
            .getConfig("datastax-java-driver");
    return CqlSession.builder()
        .withConfigLoader(new DefaultDriverConfigLoader(() -> driver))
        .build();
  }
}

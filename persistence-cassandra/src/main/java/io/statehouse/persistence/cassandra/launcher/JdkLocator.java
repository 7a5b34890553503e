package io.statehouse.persistence.cassandra.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Picks the JDK that runs Cassandra.
 *
 * <p>Cassandra 5.0 supports JDK 11 and 17 only; on 25 it dies at startup ("Setting a system-wide
 * Policy object is not supported"), while the Statehouse node itself may run on a newer JDK. Order:
 * the current JVM if it is 11 or 17, the configured java-home, $JAVA17_HOME, then a JDK 17 under
 * /usr/lib/jvm.
 */
final class JdkLocator {

  static final Set<Integer> SUPPORTED = Set.of(11, 17);
  static final Path SCAN_ROOT = Path.of("/usr/lib/jvm");

  private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"?(1\\.)?(\\d+)");

  private JdkLocator() {}

  /** The java executable for Cassandra on this machine. */
  static Path javaExecutable(Optional<Path> configuredHome) {
    return javaExecutable(
        Path.of(System.getProperty("java.home")),
        Runtime.version().feature(),
        configuredHome,
        Optional.ofNullable(System.getenv("JAVA17_HOME")).filter(s -> !s.isBlank()).map(Path::of),
        SCAN_ROOT);
  }

  static Path javaExecutable(
      Path currentHome,
      int currentFeature,
      Optional<Path> configuredHome,
      Optional<Path> java17HomeEnv,
      Path scanRoot) {
    if (SUPPORTED.contains(currentFeature)) {
      return java(currentHome);
    }
    if (configuredHome.isPresent()) {
      return requireSupported(configuredHome.get(), "statehouse.cassandra.embedded.java-home");
    }
    if (java17HomeEnv.isPresent()) {
      return requireSupported(java17HomeEnv.get(), "JAVA17_HOME");
    }
    try (Stream<Path> homes = list(scanRoot)) {
      return homes
          .filter(home -> Files.isExecutable(java(home)) && featureOf(home).orElse(-1) == 17)
          .findFirst()
          .map(JdkLocator::java)
          .orElseThrow(
              () ->
                  new CassandraLaunchException(
                      "Cassandra 5.0 needs JDK 11 or 17, but this JVM is "
                          + currentFeature
                          + " and no JDK 17 was found under "
                          + scanRoot
                          + ". Install one, or point statehouse.cassandra.embedded.java-home"
                          + " (env STATEHOUSE_CASSANDRA_JAVA_HOME) or JAVA17_HOME at it."));
    }
  }

  /** Feature version from a JDK's {@code release} file ("17.0.15" gives 17, "1.8.0" gives 8). */
  static OptionalInt featureOf(Path home) {
    try {
      Matcher m =
          JAVA_VERSION.matcher(Files.readString(home.resolve("release"), StandardCharsets.UTF_8));
      return m.find() ? OptionalInt.of(Integer.parseInt(m.group(2))) : OptionalInt.empty();
    } catch (IOException e) {
      return OptionalInt.empty();
    }
  }

  private static Path requireSupported(Path home, String source) {
    OptionalInt feature = featureOf(home);
    if (!Files.isExecutable(java(home))
        || feature.isEmpty()
        || !SUPPORTED.contains(feature.getAsInt())) {
      throw new CassandraLaunchException(
          source + " = " + home + " is not a JDK 11 or 17 (Cassandra 5.0 runs on no other)");
    }
    return java(home);
  }

  private static Path java(Path home) {
    return home.resolve("bin").resolve("java");
  }

  private static Stream<Path> list(Path dir) {
    try {
      return Files.list(dir).sorted();
    } catch (IOException e) {
      return List.<Path>of().stream();
    }
  }
}

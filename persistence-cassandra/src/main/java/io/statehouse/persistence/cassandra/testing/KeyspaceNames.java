package io.statehouse.persistence.cassandra.testing;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * Keyspace names per test class: readable in cqlsh, unique across classes sharing one server.
 *
 * <p>Cassandra allows at most 48 characters of [a-zA-Z0-9_] and folds unquoted names to lower case,
 * so names are lower-case snake case: {@code <class stem>_<6 random>_<role>}.
 */
final class KeyspaceNames {

  static final int MAX_LENGTH = 48;
  static final int SUFFIX_LENGTH = 6;
  private static final String[] ROLES = {"journal", "snapshot", "readside"};
  private static final int LONGEST_ROLE = 8;
  static final int MAX_STEM = MAX_LENGTH - 1 - SUFFIX_LENGTH - 1 - LONGEST_ROLE;
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

  private KeyspaceNames() {}

  static CassandraTestKeyspaces forClass(
      Class<?> testClass, InetSocketAddress contactPoint, RandomGenerator random) {
    String prefix = stem(testClass) + "_" + suffix(random) + "_";
    return new CassandraTestKeyspaces(
        contactPoint, prefix + ROLES[0], prefix + ROLES[1], prefix + ROLES[2]);
  }

  /**
   * {@code com.acme.OrderFlowIT$Nested} becomes {@code order_flow_it_nested}, cut to {@value
   * #MAX_STEM} characters; a stem not starting with a letter gets a {@code t_} prefix because an
   * unquoted CQL identifier must.
   */
  static String stem(Class<?> testClass) {
    String name = testClass.getName().substring(testClass.getName().lastIndexOf('.') + 1);
    String snake =
        name.replaceAll("([a-z0-9])([A-Z])", "$1_$2")
            .replaceAll("([A-Z]+)([A-Z][a-z])", "$1_$2")
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9]+", "_")
            .replaceAll("^_+|_+$", "");
    if (snake.isEmpty() || !Character.isLetter(snake.charAt(0))) {
      snake = "t_" + snake;
    }
    return snake.length() <= MAX_STEM ? snake : snake.substring(0, MAX_STEM).replaceAll("_+$", "");
  }

  private static String suffix(RandomGenerator random) {
    StringBuilder s = new StringBuilder(SUFFIX_LENGTH);
    for (int i = 0; i < SUFFIX_LENGTH; i++) {
      s.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return s.toString();
  }
}

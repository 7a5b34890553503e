package io.statehouse.cassandra.server;

/**
 * Names shared between this module and the launcher that starts Cassandra from it.
 *
 * <p>JDK-only on purpose: the launcher links against this class on a Statehouse node, where no
 * Cassandra class is on the classpath.
 */
public final class CassandraServerLayout {

  /**
   * Classpath resource written at build time by maven-dependency-plugin (see this module's pom).
   */
  public static final String CLASSPATH_RESOURCE = "statehouse/cassandra-server.classpath";

  /** Main class of the Cassandra child JVM. */
  public static final String MAIN_CLASS = "io.statehouse.cassandra.server.ParentWatchingMain";

  /** System property naming the process whose death should stop Cassandra. */
  public static final String PARENT_PID_PROPERTY = "statehouse.parent-pid";

  private CassandraServerLayout() {}
}

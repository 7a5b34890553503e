package io.statehouse.persistence.cassandra.testing;

import java.security.SecureRandom;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test class a real Cassandra and keyspaces of its own.
 *
 * <p>One server per test JVM (failsafe runs one JVM per module), started on first use, about 6-9 s,
 * and stopped by a shutdown hook. Each test class, nested classes included, gets its own {@link
 * CassandraTestKeyspaces}, injectable into constructors, {@code @BeforeAll} and test methods:
 *
 * <pre>{@code
 * @ExtendWith(CassandraExtension.class)
 * class ResumesToolCallAfterCrashIT {
 *   @BeforeAll
 *   static void boot(CassandraTestKeyspaces keyspaces) {
 *     system = ActorSystem.create(..., keyspaces.config().withFallback(ConfigFactory.load()));
 *   }
 * }
 * }</pre>
 */
public final class CassandraExtension implements BeforeAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(CassandraExtension.class);

  private static final SecureRandom RANDOM = new SecureRandom();

  @Override
  public void beforeAll(ExtensionContext context) {
    // Starts the server here rather than at the first injection, so its start time is charged
    // to class setup and a failure is reported once for the class.
    keyspacesFor(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == CassandraTestKeyspaces.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return keyspacesFor(context);
  }

  /** Kept in the root store by class: constructor, @BeforeAll and method contexts all agree. */
  private static CassandraTestKeyspaces keyspacesFor(ExtensionContext context) {
    Class<?> testClass = context.getRequiredTestClass();
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            testClass,
            c ->
                KeyspaceNames.forClass(testClass, SharedTestCassandra.get().contactPoint(), RANDOM),
            CassandraTestKeyspaces.class);
  }
}

package io.statehouse.runtime.workspace;

import com.google.common.collect.ImmutableMap;
import com.typesafe.config.Config;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import io.statehouse.runtime.policy.CelExpressions;
import io.statehouse.runtime.policy.PolicySettings;
import java.util.List;
import java.util.Map;

/**
 * A team's {@code done.when}: a CEL expression over a workspace, checked when the team is
 * registered and evaluated as the run goes. Bounded exactly as policies are ({@code
 * statehouse.policy}: expression size at registration, iterations, cost and CPU time on each
 * evaluation), since a tenant writes it and the node runs it.
 *
 * <p>The variables, as plain Java values (integers as {@code Long}, {@code costUsd} as {@code
 * Double}):
 *
 * <ul>
 *   <li>{@code artifacts}: name → {@code {version, content, contentType, role}}
 *   <li>{@code posts}: list of {@code {id, from, to, text}} ({@code to} is "" for the whole team)
 *   <li>{@code tasks}: list of {@code {id, title, status, owner, result}}; status {@code open},
 *       {@code claimed} or {@code done}
 *   <li>{@code run}: {@code {turns, round, costUsd}}
 * </ul>
 *
 * Their inner values are {@code dyn}: the workspace's shape may grow without breaking registered
 * expressions, and a misspelt field is a failure at evaluation (a missing key), never an exception.
 * Thread-safe.
 */
public final class WorkspaceConditions {
  private static final MapType ENTRY = MapType.create(SimpleType.STRING, SimpleType.DYN);

  /** Every variable by name, in declaration order. */
  static final ImmutableMap<String, CelType> DECLARATIONS =
      ImmutableMap.of(
          "artifacts", MapType.create(SimpleType.STRING, ENTRY),
          "posts", ListType.create(ENTRY),
          "tasks", ListType.create(ENTRY),
          "run", ENTRY);

  private final CelExpressions expressions;

  public WorkspaceConditions(PolicySettings settings) {
    this.expressions =
        new CelExpressions(
            settings,
            DECLARATIONS,
            null,
            "it used more than "
                + settings.evaluationCpuTime().toMillis()
                + " ms of CPU time (statehouse.policy.evaluation-cpu-time)");
  }

  public static WorkspaceConditions fromConfig(Config root) {
    return new WorkspaceConditions(PolicySettings.fromConfig(root));
  }

  /** Whether a condition holds, or why it could not be told. */
  public record Result(boolean holds, String failure) {
    public boolean failed() {
      return failure != null;
    }
  }

  /** What is wrong with {@code expression}: empty when it compiles to a bool. */
  public List<String> check(String expression) {
    if (expression == null || expression.isBlank()) {
      return List.of("is empty; write a CEL expression, e.g. has(artifacts.report)");
    }
    return expressions.check(expression);
  }

  /**
   * Evaluates {@code expression} over {@code vars} ({@code artifacts}, {@code posts}, {@code
   * tasks}, {@code run}). A failure's text is fixed per kind and never quotes the workspace's
   * content; nothing the expression or the values do makes it throw.
   */
  public Result evaluate(String expression, Map<String, Object> vars) {
    if (expression == null || expression.isBlank()) {
      return new Result(false, "it does not compile");
    }
    CelExpressions.Evaluation e =
        expressions.evaluate(
            expression,
            vars == null ? Map.of() : vars,
            expressions.settings().evaluationCpuTime().toNanos());
    return new Result(e.holds(), e.failure());
  }
}

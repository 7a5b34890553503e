package io.statehouse.runtime.policy;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelBuilder;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelErrorCode;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelSourceLocation;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelVariableResolver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Boolean CEL expressions over one set of declared variables, bounded as policies are: CEL's
 * standard functions and macros, no extensions, heterogeneous numeric comparison, the expression
 * and evaluation limits of {@link PolicySettings}, and an {@link EvaluationBudget} on every
 * evaluation. Policies ({@link CelPolicyEngine}) and a team's done condition ({@code
 * WorkspaceConditions}) each hold one.
 *
 * <p>Compiled programs are cached by expression text (the environment is fixed, so equal text is an
 * equal program), at most {@link PolicySettings#cacheSize()}, least recently used dropped first. A
 * program missing from the cache (after a restart, or evicted) is compiled on first use.
 *
 * <p>Thread-safe.
 */
public final class CelExpressions {
  /** Issues reported per expression; CEL may find many in one broken expression. */
  private static final int MAX_ISSUES = 5;

  private final PolicySettings settings;
  private final Cel cel;
  private final Map<String, CelRuntime.Program> programs;
  private final LongSupplier clock;
  private final String outOfTime;

  /**
   * @param variables every variable an expression may read, with its CEL type
   * @param types the struct types among {@code variables}, or null when there are none
   * @param outOfTime the failure text when an evaluation runs out of CPU time
   */
  public CelExpressions(
      PolicySettings settings,
      Map<String, CelType> variables,
      CelTypeProvider types,
      String outOfTime) {
    this(settings, variables, types, outOfTime, EvaluationBudget.THREAD_CPU_CLOCK);
  }

  /** With {@code clock} measuring evaluation time in nanoseconds (tests use a fake one). */
  CelExpressions(
      PolicySettings settings,
      Map<String, CelType> variables,
      CelTypeProvider types,
      String outOfTime,
      LongSupplier clock) {
    this.settings = settings;
    this.clock = clock;
    this.outOfTime = outOfTime;
    // the legacy runtime is CEL-Java's long-standing one; it evaluates type-checked ASTs only,
    // which is all this class makes
    CelBuilder builder =
        CelFactory.legacyCelBuilder()
            .setOptions(
                CelOptions.current()
                    .enableHeterogeneousNumericComparisons(true)
                    .maxExpressionCodePointSize(settings.maxExpressionChars())
                    .maxParseRecursionDepth(settings.maxExpressionDepth())
                    .maxParseExpressionNodeCount(settings.maxExpressionNodes())
                    .comprehensionMaxIterations(settings.maxComprehensionIterations())
                    .maxRegexProgramSize(settings.maxRegexProgramSize())
                    .build())
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .setResultType(SimpleType.BOOL);
    if (types != null) {
      builder.setTypeProvider(types);
    }
    variables.forEach(builder::addVar);
    this.cel = builder.build();
    int max = settings.cacheSize();
    this.programs =
        Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
              @Override
              protected boolean removeEldestEntry(Map.Entry<String, CelRuntime.Program> eldest) {
                return size() > max;
              }
            });
  }

  public PolicySettings settings() {
    return settings;
  }

  /** What is wrong with {@code expression}: empty when it compiles to a bool. */
  public List<String> check(String expression) {
    return compile(expression).problems();
  }

  /** How many compiled programs are cached. */
  public int cachedPrograms() {
    return programs.size();
  }

  /**
   * The outcome of one evaluation: whether the expression holds, or why it could not be told
   * ({@code failure}); and how much CPU time it took.
   */
  public record Evaluation(boolean holds, String failure, long nanos) {
    static Evaluation failed(String why, long nanos) {
      return new Evaluation(false, why, nanos);
    }
  }

  /**
   * Evaluates {@code expression} with {@code vars}, within {@code remainingNanos} of CPU time
   * (compiling on a cache miss does not count). A failure's text is fixed per kind of failure and
   * never quotes CEL's message, which can contain input values ("Function 'x' failed with arg(s)
   * '…'"). Never throws for anything the expression or the values do.
   */
  public Evaluation evaluate(String expression, Map<String, Object> vars, long remainingNanos) {
    Compiled compiled = compile(expression);
    if (compiled.program() == null) {
      // accepted at registration under other limits, or never checked
      return Evaluation.failed("it does not compile", 0);
    }
    if (remainingNanos <= 0) {
      return Evaluation.failed(outOfTime, 0);
    }
    EvaluationBudget budget =
        new EvaluationBudget(settings.maxEvaluationCost(), remainingNanos, outOfTime, clock);
    CelVariableResolver resolver = name -> Optional.ofNullable(vars.get(name));
    String failure;
    boolean holds = false;
    try {
      Object result = compiled.program().trace(resolver, budget);
      if (budget.exceeded() != null) {
        // CEL absorbed the stop inside || or &&; the limit still counts
        failure = budget.exceeded();
      } else if (result instanceof Boolean b) {
        failure = null;
        holds = b;
      } else {
        failure = "it did not evaluate to true or false";
      }
    } catch (CelEvaluationException e) {
      failure = budget.exceeded() != null ? budget.exceeded() : describe(e.getErrorCode());
    } catch (RuntimeException | StackOverflowError e) {
      failure = "internal evaluation error";
    }
    long spent = budget.finish();
    if (failure == null && spent > remainingNanos) {
      // the last steps, after the last clock read, went over
      failure = outOfTime;
    }
    return new Evaluation(holds, failure, spent);
  }

  private String describe(CelErrorCode code) {
    switch (code) {
      case ATTRIBUTE_NOT_FOUND:
        return "a field or variable it reads is missing (test fields with has())";
      case INDEX_OUT_OF_BOUNDS:
        return "a list index is out of range";
      case DIVIDE_BY_ZERO:
        return "division by zero";
      case OVERLOAD_NOT_FOUND:
      case AMBIGUOUS_OVERLOAD:
        return "an operator or function got values of a type it does not accept";
      case NUMERIC_OVERFLOW:
        return "numeric overflow";
      case ITERATION_BUDGET_EXCEEDED:
        return "its comprehensions exceeded "
            + settings.maxComprehensionIterations()
            + " iterations";
      case INVALID_ARGUMENT:
      case BAD_FORMAT:
        return "a function got an invalid argument (a regex over the size limit, a bad format)";
      default:
        return "evaluation error (" + code.name().toLowerCase(Locale.ROOT) + ")";
    }
  }

  /** A compiled expression, or why it does not compile. */
  private record Compiled(CelRuntime.Program program, List<String> problems) {}

  private Compiled compile(String expression) {
    CelRuntime.Program cached = programs.get(expression);
    if (cached != null) {
      return new Compiled(cached, List.of());
    }
    if (expression.length() > settings.maxExpressionChars()) {
      // never handed to the parser
      return new Compiled(
          null,
          List.of(
              "is longer than "
                  + settings.maxExpressionChars()
                  + " characters ("
                  + expression.length()
                  + ")"));
    }
    try {
      CelValidationResult result = cel.compile(expression);
      if (result.hasError()) {
        return new Compiled(null, issues(result.getErrors()));
      }
      CelRuntime.Program program = cel.createProgram(result.getAst());
      // compiled outside the lock; two threads compiling the same text store equal programs
      programs.put(expression, program);
      return new Compiled(program, List.of());
    } catch (Exception | StackOverflowError e) {
      return new Compiled(null, List.of("could not be compiled: " + e.getMessage()));
    }
  }

  /** CEL's issues in its own format, one line each, without the source snippet. */
  private static List<String> issues(List<CelIssue> errors) {
    List<String> out = new ArrayList<>();
    for (CelIssue issue : errors.subList(0, Math.min(MAX_ISSUES, errors.size()))) {
      CelSourceLocation at = issue.getSourceLocation();
      out.add(
          issue.getSeverity()
              + ": <input>:"
              + (at.getLine() < 0 ? "" : at.getLine() + ":" + (at.getColumn() + 1) + ":")
              + " "
              + issue.getMessage());
    }
    if (errors.size() > MAX_ISSUES) {
      out.add("and " + (errors.size() - MAX_ISSUES) + " more errors");
    }
    return out;
  }
}

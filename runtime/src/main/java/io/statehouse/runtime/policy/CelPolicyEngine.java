package io.statehouse.runtime.policy;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelBuilder;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelErrorCode;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelSourceLocation;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelVariableResolver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * The {@link PolicyEngine} on CEL-Java. One environment for every tenant: the five variables of
 * {@link PolicyVariables}, CEL's standard functions and macros, no extensions, heterogeneous
 * numeric comparison ({@code input.amount > 100} holds for 150 and for 150.5).
 *
 * <p>What bounds a hostile expression: at registration its length, nesting depth and node count
 * (the parser stops at the depth, so deep nesting cannot overflow the stack); on each evaluation
 * CEL's comprehension iteration limit and regex program size (its RE2J regexes run in linear time),
 * and an {@link EvaluationBudget}: a cost per step and per string size for each rule, and one
 * CPU-time budget for all rules of a call. Exceeding any evaluation limit denies the call.
 *
 * <p>Compiled programs are cached by expression text (the environment is the same for every tenant,
 * so equal text is an equal program), at most {@link PolicySettings#cacheSize()}, least recently
 * used dropped first. A program missing from the cache (after a restart, or evicted) is compiled on
 * first use.
 */
public final class CelPolicyEngine implements PolicyEngine {
  /** Issues reported per expression; CEL may find many in one broken expression. */
  private static final int MAX_ISSUES = 5;

  private final PolicySettings settings;
  private final Cel cel;
  private final Map<String, CelRuntime.Program> programs;
  private final LongSupplier clock;

  public CelPolicyEngine(PolicySettings settings) {
    this(settings, EvaluationBudget.THREAD_CPU_CLOCK);
  }

  /** With {@code clock} measuring evaluation time in nanoseconds (tests use a fake one). */
  CelPolicyEngine(PolicySettings settings, LongSupplier clock) {
    this.settings = settings;
    this.clock = clock;
    // the legacy runtime is CEL-Java's long-standing one; it evaluates type-checked ASTs only,
    // which is all this engine makes
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
            .setTypeProvider(PolicyVariables.TYPES)
            .setResultType(SimpleType.BOOL);
    PolicyVariables.DECLARATIONS.forEach(builder::addVar);
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

  @Override
  public List<String> check(List<PolicyRule> rules, Set<String> agentTools) {
    if (rules == null || rules.isEmpty()) {
      return List.of();
    }
    if (rules.size() > settings.maxRules()) {
      // nothing compiled: the count alone decides
      return List.of("policies: at most " + settings.maxRules() + " rules, not " + rules.size());
    }
    Set<String> tools = agentTools == null ? Set.of() : agentTools;
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      String at = "policies[" + i + "]";
      PolicyRule rule = rules.get(i);
      if (rule == null) {
        problems.add(at + " must be an object");
        continue;
      }
      if (rule.tool() == null || rule.tool().isBlank()) {
        problems.add(at + ".tool is required: one of the agent's tools, or " + PolicyRule.ANY_TOOL);
      } else if (!rule.tool().equals(PolicyRule.ANY_TOOL) && !tools.contains(rule.tool())) {
        problems.add(
            at
                + ".tool: '"
                + rule.tool()
                + "' is not one of the agent's tools "
                + new TreeSet<>(tools));
      }
      problems.addAll(effectProblems(at, rule));
      if (rule.reason() != null && rule.reason().length() > settings.maxReasonChars()) {
        problems.add(at + ".reason is longer than " + settings.maxReasonChars() + " characters");
      }
      if (rule.hasCondition()) {
        compile(rule.when()).problems().forEach(p -> problems.add(at + ".when: " + p));
      }
    }
    return problems;
  }

  private static List<String> effectProblems(String at, PolicyRule rule) {
    List<String> problems = new ArrayList<>();
    if (rule.effect() == null) {
      problems.add(at + ".effect is required: one of " + PolicyEffect.wireNames());
      return problems;
    }
    boolean approval = rule.effect() == PolicyEffect.REQUIRE_APPROVAL;
    if (approval && rule.approvers().isEmpty()) {
      problems.add(at + ".approvers must name at least one role for require_approval");
    } else if (!approval && !rule.approvers().isEmpty()) {
      problems.add(at + ".approvers is only allowed with require_approval");
    }
    if (rule.approvers().stream().anyMatch(r -> r == null || r.isBlank())) {
      problems.add(at + ".approvers must not contain empty roles");
    }
    if (rule.expiresAfter() != null) {
      if (!approval) {
        problems.add(at + ".expiresAfter is only allowed with require_approval");
      } else if (rule.expiresAfter().isNegative() || rule.expiresAfter().isZero()) {
        problems.add(at + ".expiresAfter must be positive");
      }
    }
    return problems;
  }

  @Override
  public PolicyDecision decide(List<PolicyRule> rules, PolicyFacts facts) {
    if (rules == null || rules.isEmpty()) {
      return PolicyDecision.ALLOW_BY_DEFAULT;
    }
    // one CPU-time budget for all rules of the call, so many slow rules cannot add up; compiling
    // (on a cache miss) does not count
    long remainingNanos = settings.evaluationCpuTime().toNanos();
    Map<String, Object> vars = null;
    PolicyDecision approval = null;
    PolicyDecision allow = null;
    for (int i = 0; i < rules.size(); i++) {
      PolicyRule rule = rules.get(i);
      if (rule == null || rule.effect() == null || rule.tool() == null) {
        return PolicyDecision.deny(i, "policy rule " + i + " is malformed");
      }
      if (!rule.appliesTo(facts.tool().name())) {
        continue;
      }
      if (rule.hasCondition()) {
        if (vars == null) {
          // converted once per call, and only when some rule reads it
          vars = PolicyVariables.values(facts);
        }
        Evaluation e = evaluate(rule.when(), vars, remainingNanos);
        remainingNanos -= e.nanos();
        if (e.failure() != null) {
          return PolicyDecision.deny(
              i, "policy rule " + i + " could not be evaluated: " + e.failure());
        }
        if (!e.applies()) {
          continue;
        }
      }
      switch (rule.effect()) {
        case DENY:
          // nothing is more restrictive: later rules cannot change the outcome
          return PolicyDecision.deny(i, reasonOr(rule, "denied by policy rule " + i));
        case REQUIRE_APPROVAL:
          if (rule.approvers().isEmpty()) {
            // nobody could decide it; check() rejects such a rule at registration
            return PolicyDecision.deny(i, "policy rule " + i + " is malformed");
          }
          if (approval == null) {
            approval =
                PolicyDecision.requireApproval(
                    i,
                    reasonOr(rule, "policy rule " + i + " requires approval"),
                    rule.approvers(),
                    rule.expiresAfter());
          }
          break;
        case ALLOW:
          if (allow == null) {
            allow = PolicyDecision.allow(i, rule.reason());
          }
          break;
      }
    }
    if (approval != null) {
      return approval;
    }
    return allow != null ? allow : PolicyDecision.ALLOW_BY_DEFAULT;
  }

  /** How many compiled programs are cached. */
  public int cachedPrograms() {
    return programs.size();
  }

  private static String reasonOr(PolicyRule rule, String fallback) {
    return rule.reason() == null || rule.reason().isBlank() ? fallback : rule.reason();
  }

  /**
   * The outcome of one rule's {@code when}: whether it holds, or why it could not be told; and how
   * long the evaluation took.
   */
  private record Evaluation(boolean applies, String failure, long nanos) {
    static Evaluation failed(String why, long nanos) {
      return new Evaluation(false, why, nanos);
    }
  }

  /**
   * Evaluates {@code when}. A failure's text is fixed per kind of failure and never quotes CEL's
   * message, which can contain input values ("Function 'x' failed with arg(s) '…'").
   */
  private Evaluation evaluate(String when, Map<String, Object> vars, long remainingNanos) {
    Compiled compiled = compile(when);
    if (compiled.program() == null) {
      // accepted at registration under other limits, or never checked
      return Evaluation.failed("it does not compile", 0);
    }
    Duration cpuTime = settings.evaluationCpuTime();
    if (remainingNanos <= 0) {
      return Evaluation.failed(EvaluationBudget.outOfTime(cpuTime), 0);
    }
    EvaluationBudget budget =
        new EvaluationBudget(settings.maxEvaluationCost(), remainingNanos, cpuTime, clock);
    CelVariableResolver resolver = name -> Optional.ofNullable(vars.get(name));
    String failure;
    boolean applies = false;
    try {
      Object result = compiled.program().trace(resolver, budget);
      if (budget.exceeded() != null) {
        // CEL absorbed the stop inside || or &&; the limit still counts
        failure = budget.exceeded();
      } else if (result instanceof Boolean b) {
        failure = null;
        applies = b;
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
      failure = EvaluationBudget.outOfTime(cpuTime);
    }
    return new Evaluation(applies, failure, spent);
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

  private Compiled compile(String when) {
    CelRuntime.Program cached = programs.get(when);
    if (cached != null) {
      return new Compiled(cached, List.of());
    }
    if (when.length() > settings.maxExpressionChars()) {
      // never handed to the parser
      return new Compiled(
          null,
          List.of(
              "is longer than "
                  + settings.maxExpressionChars()
                  + " characters ("
                  + when.length()
                  + ")"));
    }
    try {
      CelValidationResult result = cel.compile(when);
      if (result.hasError()) {
        return new Compiled(null, issues(result.getErrors()));
      }
      CelRuntime.Program program = cel.createProgram(result.getAst());
      // compiled outside the lock; two threads compiling the same text store equal programs
      programs.put(when, program);
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

package io.statehouse.runtime.policy.guardrail;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a {@link GuardrailSpec} and compiles it, in one pass so that registration and the running
 * agent can never disagree about what is valid. Collects every problem rather than stopping at the
 * first, for one 400 that lists them all.
 */
final class GuardrailCompiler {
  /** Names of custom rules: they appear in {@code [REDACTED:<name>]} and in recorded reasons. */
  private static final java.util.regex.Pattern NAME =
      java.util.regex.Pattern.compile("[a-z][a-z0-9_]{0,31}");

  static final int MAX_REASON_CHARS = 200;
  private static final int SHOWN_CHARS = 40;

  private final GuardrailSettings settings;
  private final List<String> problems = new ArrayList<>();
  private final Set<Stage> stages = EnumSet.noneOf(Stage.class);
  private final List<Finder> finders = new ArrayList<>();
  private final List<Guardrails.DenyCheck> input = new ArrayList<>();
  private final List<Guardrails.DenyCheck> output = new ArrayList<>();

  private GuardrailCompiler(GuardrailSettings settings) {
    this.settings = settings;
  }

  static List<String> check(GuardrailSpec spec, GuardrailSettings settings) {
    GuardrailCompiler c = new GuardrailCompiler(settings);
    c.run(spec);
    return List.copyOf(c.problems);
  }

  /** The running form of {@code spec}; throws IllegalArgumentException listing its problems. */
  static Guardrails compile(GuardrailSpec spec, GuardrailSettings settings) {
    GuardrailCompiler c = new GuardrailCompiler(settings);
    c.run(spec);
    if (!c.problems.isEmpty()) {
      throw new IllegalArgumentException("invalid guardrails: " + String.join("; ", c.problems));
    }
    if (c.finders.isEmpty() && c.input.isEmpty() && c.output.isEmpty()) {
      return Guardrails.NONE;
    }
    return new Guardrails(settings, c.stages, c.finders, c.input, c.output);
  }

  private void run(GuardrailSpec spec) {
    int rules = spec.redact().size() + spec.deny().size();
    if (rules > settings.maxRules()) {
      // compiling thousands of tenant regexes is the very work the limit is there to refuse
      problems.add("guardrails has " + rules + " rules; at most " + settings.maxRules());
      return;
    }
    redactIn(spec);
    Set<String> names = new HashSet<>();
    for (int i = 0; i < spec.redact().size(); i++) {
      redactRule("guardrails.redact[" + i + "]", spec.redact().get(i), names);
    }
    names.clear();
    for (int i = 0; i < spec.deny().size(); i++) {
      denyRule("guardrails.deny[" + i + "]", spec.deny().get(i), names);
    }
  }

  private void redactIn(GuardrailSpec spec) {
    for (int i = 0; i < spec.redactIn().size(); i++) {
      Stage stage = spec.redactIn().get(i);
      if (stage == null) {
        problems.add("guardrails.redactIn[" + i + "] is empty; use journal, model or export");
      } else {
        stages.add(stage);
      }
    }
    if (spec.redactIn().isEmpty() && !spec.redact().isEmpty()) {
      problems.add(
          "guardrails.redactIn is empty, so nothing would be redacted; list journal, model or"
              + " export, or leave it out for [journal]");
    }
  }

  private void redactRule(String where, RedactRule rule, Set<String> names) {
    if (rule == null || rule.name() == null || rule.name().isBlank()) {
      problems.add(where + ": a name is required (a built-in, or a custom rule's name)");
      return;
    }
    String name = rule.name();
    if (!names.add(name)) {
      problems.add(where + ": '" + shown(name) + "' is listed twice");
      return;
    }
    if (rule.isBuiltIn()) {
      Optional<BuiltIn> builtIn = BuiltIn.fromWire(name);
      if (builtIn.isEmpty()) {
        problems.add(
            where
                + ": unknown built-in '"
                + shown(name)
                + "' (built-ins: "
                + BuiltIn.names()
                + "; a custom rule needs a pattern)");
      } else {
        finders.add(builtIn.get());
      }
      return;
    }
    where = where + " (" + shown(name) + ")";
    if (BuiltIn.fromWire(name).isPresent()) {
      problems.add(where + ": '" + name + "' is a built-in; give the custom rule another name");
      return;
    }
    if (!checkName(where, name)) {
      return;
    }
    Pattern pattern = pattern(where, rule.pattern());
    if (pattern != null) {
      finders.add(new Finder.Regex(name, pattern));
    }
  }

  private void denyRule(String where, DenyRule rule, Set<String> names) {
    if (rule == null || rule.name() == null || rule.name().isBlank()) {
      problems.add(where + ": a name is required");
      return;
    }
    String name = rule.name();
    where = where + " (" + shown(name) + ")";
    if (!names.add(name)) {
      problems.add(where + ": the name is used twice");
      return;
    }
    boolean ok = checkName(where, name);
    Set<Direction> on = EnumSet.noneOf(Direction.class);
    for (Direction d : rule.on()) {
      if (d == null) {
        problems.add(where + ": on has an empty entry; use input or output");
        ok = false;
      } else {
        on.add(d);
      }
    }
    if (rule.on().isEmpty()) {
      problems.add(where + ": on must list input, output or both");
      ok = false;
    }
    if (rule.reason() != null && rule.reason().length() > MAX_REASON_CHARS) {
      problems.add(where + ": reason is longer than " + MAX_REASON_CHARS + " characters");
      ok = false;
    }
    Pattern pattern = pattern(where, rule.pattern());
    if (pattern != null && pattern.matcher("").find()) {
      problems.add(where + ": pattern matches an empty text, so it would block every turn");
      ok = false;
    }
    if (ok && pattern != null) {
      Guardrails.DenyCheck check =
          new Guardrails.DenyCheck(
              pattern, Optional.of(new DenyMatch(name, rule.effectiveReason())));
      if (on.contains(Direction.INPUT)) {
        input.add(check);
      }
      if (on.contains(Direction.OUTPUT)) {
        output.add(check);
      }
    }
  }

  private boolean checkName(String where, String name) {
    if (!NAME.matcher(name).matches()) {
      problems.add(
          where
              + ": the name must be a lower-case letter, then up to 31 lower-case letters, digits"
              + " or _");
      return false;
    }
    if (name.equals(DenyMatch.TIMEOUT_RULE)) {
      problems.add(where + ": the name " + name + " is reserved");
      return false;
    }
    return true;
  }

  /** The compiled regex, or null after recording why it is refused. Never compiles a huge one. */
  private Pattern pattern(String where, String regex) {
    if (regex == null || regex.isEmpty()) {
      problems.add(where + ": pattern is required");
      return null;
    }
    if (regex.length() > settings.maxPatternChars()) {
      problems.add(
          where
              + ": pattern is "
              + regex.length()
              + " characters; at most "
              + settings.maxPatternChars());
      return null;
    }
    long estimate = PatternSize.estimate(regex);
    if (estimate > settings.maxProgramSize()) {
      problems.add(tooLarge(where, estimate));
      return null;
    }
    Pattern pattern;
    try {
      pattern = Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      problems.add(where + ": invalid pattern: " + e.getMessage());
      return null;
    }
    if (pattern.programSize() > settings.maxProgramSize()) {
      problems.add(tooLarge(where, pattern.programSize()));
      return null;
    }
    return pattern;
  }

  private String tooLarge(String where, long size) {
    return where
        + ": pattern is too large once its repetitions are expanded (up to "
        + size
        + " steps; at most "
        + settings.maxProgramSize()
        + "); use fewer or smaller {n,m} counts";
  }

  /** A tenant's name in a message, cut short: names are not bounded until they are checked. */
  private static String shown(String name) {
    return name.length() <= SHOWN_CHARS ? name : name.substring(0, SHOWN_CHARS) + "…";
  }
}

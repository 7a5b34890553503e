package io.statehouse.runtime.policy.guardrail;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The built-in redactions. Each finds candidates with an RE2 regex and keeps only those that pass a
 * check, so ordinary numbers ("order 12345", "150.00", dates, timestamps) are left alone.
 */
public enum BuiltIn implements Finder {
  /** A practical address: local part, {@code @}, dotted domain ending in a 2+ letter label. */
  EMAIL(
      new Detector(
          "[\\w.%+\\-]+@[A-Za-z0-9\\-]+(?:\\.[A-Za-z0-9\\-]+)*\\.[A-Za-z]{2,}",
          Window.of("0-9A-Za-z_.%+@-").length(6).at(),
          (text, s, e, name, out, budget) -> {
            out.add(s, e, name);
            return e;
          })),

  /**
   * 7 to 15 digits written as a phone number: with a leading {@code +} ({@code +44 20 7946 0958},
   * {@code +14155550123}), an area code in parentheses ({@code (415) 555-0123}), the North American
   * 3-3-4 form with {@code -}, {@code .} or spaces, or a trunk {@code 0} and space-separated groups
   * ({@code 020 7946 0958}, {@code 06 12 34 56 78}). A bare digit run is not a phone number.
   */
  PHONE(
      new Detector(
          // group sizes are left open here and bounded by the digit count below: counted
          // repetitions ({1,4}) multiply the regex program, and its cost per character with it
          "\\+\\d+(?:[ .\\-]?\\(?\\d+\\)?)+"
              + "|\\(\\d+\\)[ .\\-]?\\d+(?:[ .\\-]?\\d+)*"
              + "|\\b(?:1[ .\\-])?\\d{3}[ .\\-]\\d{3}[ .\\-]\\d{4}"
              + "|\\b0\\d+(?: \\d+){2,}",
          Window.of("0-9 .()+-").length(7).digits(7),
          (text, s, e, name, out, budget) -> {
            int digits = Checks.digits(text, s, e);
            if (digits >= 7 && digits <= 15 && Checks.standsAlone(text, s, e)) {
              out.add(s, e, name);
            }
            return e;
          })),

  /**
   * 13 to 19 digits, grouped by single spaces or dashes or not at all, starting with 2 to 6 (the
   * payment networks' ranges) and passing the Luhn check. A card number that fails Luhn is kept.
   */
  CARD(
      new Detector(
          "\\b\\d+(?:[ \\-]\\d+)*\\b",
          Window.of("0-9 -").length(13).digits(13),
          Checks::cardsInRun)),

  /**
   * Country code, check digits and 11 to 30 letters or digits, compact or in groups, whose mod-97
   * check (ISO 13616) holds. An IBAN with wrong check digits is kept.
   */
  IBAN(
      new Detector(
          "\\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,32}",
          Window.of("0-9A-Z ").length(15).digits(2).capitals(2), Checks::iban)),

  /**
   * National identifiers with a recognisable shape: a US Social Security number ({@code
   * ddd-dd-dddd}, without the never-issued 000, 666 and 9xx areas, group 00 or serial 0000), a UK
   * National Insurance number ({@code AB 12 34 56 C}, valid prefixes only) and a Canadian Social
   * Insurance number ({@code ddd-ddd-ddd} passing Luhn).
   */
  NATIONAL_ID(
      new Detector(
          "\\b\\d{3}-\\d{2}-\\d{4}\\b", Window.of("0-9-").length(11).digits(9), Checks::ssn),
      new Detector(
          "\\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\\d{2} ?\\d{2} ?\\d{2} ?[A-D]\\b",
          Window.of("0-9A-Z ").length(9).digits(6).capitals(3), Checks::nino),
      new Detector(
          "\\b\\d{3}-\\d{3}-\\d{3}\\b", Window.of("0-9-").length(11).digits(9), Checks::sin));

  private final List<Detector> detectors;

  BuiltIn(Detector... detectors) {
    this.detectors = List.of(detectors);
  }

  /** The name in a definition and in {@code [REDACTED:<name>]}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<BuiltIn> fromWire(String name) {
    return Arrays.stream(values()).filter(b -> b.wire().equals(name)).findFirst();
  }

  /** "email, phone, …" for messages. */
  static String names() {
    return Arrays.stream(values()).map(BuiltIn::wire).collect(Collectors.joining(", "));
  }

  @Override
  public void find(String text, TextFacts facts, Budget budget, Spans out) {
    for (Detector d : detectors) {
      if (d.mayMatch(facts)) {
        d.find(text, budget, wire(), out);
      }
    }
  }

  /** Decides about one candidate; returns where the search goes on. */
  @FunctionalInterface
  interface Check {
    /** Adds what it accepts to {@code out}; work beyond reading the candidate goes to budget. */
    int accept(String text, int start, int end, String name, Spans out, Budget budget);
  }

  /**
   * What a stretch of text must be for a built-in's regex to be worth running on it: made only of
   * the characters a match can contain ({@code alphabet}), long enough, with enough digits and
   * capitals (and an {@code @} for e-mail). Immutable; the builder methods return copies.
   */
  record Window(
      boolean[] alphabet, int minLength, int minDigits, int minCapitals, boolean needsAt) {
    /** {@code chars} lists characters and ranges: "0-9A-Z .-" (a '-' last is itself). */
    static Window of(String chars) {
      boolean[] alphabet = new boolean[128];
      for (int i = 0; i < chars.length(); i++) {
        char c = chars.charAt(i);
        if (i + 2 < chars.length() && chars.charAt(i + 1) == '-') {
          for (char r = c; r <= chars.charAt(i + 2); r++) {
            alphabet[r] = true;
          }
          i += 2;
        } else {
          alphabet[c] = true;
        }
      }
      return new Window(alphabet, 1, 0, 0, false);
    }

    Window length(int min) {
      return new Window(alphabet, min, minDigits, minCapitals, needsAt);
    }

    Window digits(int min) {
      return new Window(alphabet, minLength, min, minCapitals, needsAt);
    }

    Window capitals(int min) {
      return new Window(alphabet, minLength, minDigits, min, needsAt);
    }

    Window at() {
      return new Window(alphabet, minLength, minDigits, minCapitals, true);
    }

    boolean contains(char c) {
      return c < 128 && alphabet[c];
    }
  }

  /**
   * A candidate regex and the check its matches must pass. RE2/J's unanchored search costs a few
   * hundred nanoseconds per character, so the regex runs only on the {@link Window}s of a text; in
   * prose those are a few short tokens. A window is handed to the regex with one character of
   * context on each side, so {@code \\b} sees what it would see in the whole text.
   */
  private static final class Detector {
    private final Pattern pattern;
    private final Window window;
    private final Check check;

    Detector(String regex, Window window, Check check) {
      this.pattern = Pattern.compile(regex);
      this.window = window;
      this.check = check;
    }

    boolean mayMatch(TextFacts facts) {
      return facts.digits() >= window.minDigits() && (facts.hasAt() || !window.needsAt());
    }

    void find(String text, Budget budget, String name, Spans out) {
      int n = text.length();
      int i = 0;
      while (i < n) {
        budget.tick();
        if (!window.contains(text.charAt(i))) {
          i++;
          continue;
        }
        int start = i;
        int digits = 0;
        int capitals = 0;
        boolean at = false;
        for (char c; i < n && window.contains(c = text.charAt(i)); i++) {
          budget.tick();
          digits += Checks.isDigit(c) ? 1 : 0;
          capitals += c >= 'A' && c <= 'Z' ? 1 : 0;
          at |= c == '@';
        }
        if (i - start >= window.minLength()
            && digits >= window.minDigits()
            && capitals >= window.minCapitals()
            && (at || !window.needsAt())) {
          scan(text, Math.max(0, start - 1), Math.min(n, i + 1), budget, name, out);
        }
      }
    }

    private void scan(String text, int from, int to, Budget budget, String name, Spans out) {
      Matcher m = pattern.matcher(budget.meter(text, from, to));
      int pos = 0;
      while (pos <= to - from && m.find(pos)) {
        int start = from + m.start();
        int next = check.accept(text, start, from + m.end(), name, out, budget);
        pos = Math.max(next, start + 1) - from;
      }
    }
  }
}

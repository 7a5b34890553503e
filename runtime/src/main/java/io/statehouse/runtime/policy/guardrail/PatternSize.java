package io.statehouse.runtime.policy.guardrail;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * An upper bound of the number of instructions RE2/J compiles a regex to, computed from the
 * pattern's text without compiling it. RE2/J has no limit of its own: {@code
 * ((a{1000}){1000}){1000}} expands to a billion instructions and exhausts the heap while compiling,
 * so a tenant's regex is measured first and compiled only when the bound is small. Counted
 * generously: every literal, class, anchor and operator is one instruction, a group adds two, and
 * {@code x{n,m}} is {@code m} copies of {@code x} each with one more.
 */
final class PatternSize {
  /** Sizes saturate here, far below overflow, so nested products stay comparable. */
  private static final long SATURATED = 1L << 40;

  /** Counts above this are rejected by RE2/J anyway; kept only so products cannot overflow. */
  private static final int MAX_COUNT = 100_000;

  private PatternSize() {}

  /** One open group: the size of what it holds so far, and of its last atom (for a quantifier). */
  private static final class Frame {
    long size;
    long last;

    void atom(long atomSize) {
      size = saturate(size + atomSize);
      last = atomSize;
    }
  }

  static long estimate(String pattern) {
    Deque<Frame> frames = new ArrayDeque<>();
    Frame current = new Frame();
    int i = 0;
    int n = pattern.length();
    while (i < n) {
      char c = pattern.charAt(i);
      switch (c) {
        case '\\' -> i = escape(pattern, i, current);
        case '[' -> {
          i = classEnd(pattern, i);
          current.atom(1);
        }
        case '(' -> {
          int body = groupBody(pattern, i);
          if (body < 0) {
            // "(?i)": flags for the rest, no group
            i = -body;
          } else {
            frames.push(current);
            current = new Frame();
            i = body;
          }
        }
        case ')' -> {
          if (frames.isEmpty()) {
            current.atom(1); // unbalanced: the compiler rejects it; count it and go on
          } else {
            long group = saturate(current.size + 2);
            current = frames.pop();
            current.atom(group);
          }
          i++;
        }
        case '|' -> {
          current.size = saturate(current.size + 1);
          current.last = 0;
          i++;
        }
        case '*', '+', '?' -> {
          current.size = saturate(current.size + 1);
          current.last = 0;
          i++;
        }
        case '{' -> {
          int[] counted = counter(pattern, i);
          if (counted == null) {
            current.atom(1); // a literal brace
            i++;
          } else {
            long copies = counted[0];
            current.size =
                saturate(current.size - current.last + saturate(copies * (current.last + 1)));
            current.last = 0;
            i = counted[1];
          }
        }
        default -> {
          current.atom(1);
          i++;
        }
      }
    }
    long total = current.size;
    while (!frames.isEmpty()) {
      total = saturate(total + frames.pop().size + 2);
    }
    // the match instruction and the unanchored search's leading loop
    return saturate(total + 4);
  }

  private static long saturate(long size) {
    return Math.min(size, SATURATED);
  }

  /** Counts an escape as one atom; returns the index after it. */
  private static int escape(String p, int i, Frame current) {
    int n = p.length();
    if (i + 1 >= n) {
      current.atom(1);
      return n;
    }
    char e = p.charAt(i + 1);
    if (e == 'Q') {
      // \Q...\E: every character up to \E is a literal
      int close = p.indexOf("\\E", i + 2);
      int stop = close < 0 ? n : close;
      for (int k = i + 2; k < stop; k++) {
        current.atom(1);
      }
      return close < 0 ? n : close + 2;
    }
    if ((e == 'p' || e == 'P' || e == 'x') && i + 2 < n && p.charAt(i + 2) == '{') {
      int close = p.indexOf('}', i + 3);
      current.atom(1);
      return close < 0 ? n : close + 1;
    }
    current.atom(1);
    return (e == 'p' || e == 'P') ? Math.min(i + 3, n) : i + 2;
  }

  /**
   * The index after the class that starts at {@code i} (RE2 syntax: "[]a]", "[^]a]",
   * "[[:alpha:]]").
   */
  private static int classEnd(String p, int i) {
    int n = p.length();
    int k = i + 1;
    if (k < n && p.charAt(k) == '^') {
      k++;
    }
    if (k < n && p.charAt(k) == ']') {
      k++;
    }
    while (k < n) {
      char c = p.charAt(k);
      if (c == '\\') {
        k += 2;
      } else if (c == '[' && k + 1 < n && p.charAt(k + 1) == ':') {
        int close = p.indexOf(":]", k + 2);
        k = close < 0 ? k + 1 : close + 2;
      } else if (c == ']') {
        return k + 1;
      } else {
        k++;
      }
    }
    return n;
  }

  /**
   * Where the body of the group opened at {@code i} starts, past "(?:", "(?P<name>", "(?i:"; or,
   * negated, the index after a flags-only "(?i)".
   */
  private static int groupBody(String p, int i) {
    int n = p.length();
    if (i + 1 >= n || p.charAt(i + 1) != '?') {
      return i + 1;
    }
    int k = i + 2;
    if (k < n && (p.charAt(k) == 'P' || p.charAt(k) == '<')) {
      int close = p.indexOf('>', k);
      return close < 0 ? n : close + 1;
    }
    while (k < n && (Character.isLetter(p.charAt(k)) || p.charAt(k) == '-')) {
      k++;
    }
    if (k < n && p.charAt(k) == ')') {
      return -(k + 1);
    }
    return Math.min(k + 1, n);
  }

  /**
   * For "{n}", "{n,}", "{n,m}" at {@code i}: {copies, index after it}; null for a literal brace.
   */
  private static int[] counter(String p, int i) {
    int n = p.length();
    int k = i + 1;
    long min = 0;
    int digits = 0;
    while (k < n && Checks.isDigit(p.charAt(k))) {
      min = Math.min(min * 10 + (p.charAt(k) - '0'), MAX_COUNT);
      k++;
      digits++;
    }
    if (digits == 0 || k >= n) {
      return null;
    }
    if (p.charAt(k) == '}') {
      return new int[] {(int) Math.max(min, 1), k + 1};
    }
    if (p.charAt(k) != ',') {
      return null;
    }
    k++;
    long max = -1;
    while (k < n && Checks.isDigit(p.charAt(k))) {
      max = Math.min(Math.max(max, 0) * 10 + (p.charAt(k) - '0'), MAX_COUNT);
      k++;
    }
    if (k >= n || p.charAt(k) != '}') {
      return null;
    }
    // x{n,} is n copies and a loop
    long copies = max < 0 ? min + 1 : Math.max(max, min);
    return new int[] {(int) Math.max(copies, 1), k + 1};
  }
}

package io.statehouse.runtime.policy.guardrail;

/** The checks that keep the built-ins' false positives low: Luhn, mod-97, issuing rules. */
final class Checks {
  private static final int MIN_CARD = 13;
  private static final int MAX_CARD = 19;
  private static final int MIN_IBAN = 15;
  private static final int MAX_IBAN = 34;

  private Checks() {}

  static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isAlnum(char c) {
    return isDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  }

  static int digits(String text, int start, int end) {
    int n = 0;
    for (int i = start; i < end; i++) {
      if (isDigit(text.charAt(i))) {
        n++;
      }
    }
    return n;
  }

  /**
   * Whether [start, end) is a whole number, not a piece of a longer one: no letter or digit next to
   * it, and no separator followed by more digits ("4000 0000 0000 0002" holds no phone number).
   */
  static boolean standsAlone(String text, int start, int end) {
    if (start > 0) {
      char before = text.charAt(start - 1);
      if (isAlnum(before)
          || (isSeparator(before) && start > 1 && isDigit(text.charAt(start - 2)))) {
        return false;
      }
    }
    if (end < text.length()) {
      char after = text.charAt(end);
      return !isAlnum(after)
          && !(isSeparator(after) && end + 1 < text.length() && isDigit(text.charAt(end + 1)));
    }
    return true;
  }

  private static boolean isSeparator(char c) {
    return c == ' ' || c == '-' || c == '.' || c == '/';
  }

  /** Luhn over the digits of [start, end), ignoring separators. */
  static boolean luhn(String text, int start, int end) {
    int sum = 0;
    boolean doubled = false;
    for (int i = end - 1; i >= start; i--) {
      char c = text.charAt(i);
      if (!isDigit(c)) {
        continue;
      }
      int d = c - '0';
      if (doubled) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      doubled = !doubled;
    }
    return sum % 10 == 0;
  }

  /**
   * A run of digit groups ("4111 1111 1111 1111 123", "12 4111-1111-1111-1111") may hold a card
   * number that does not span the whole run: try every span of whole groups with 13 to 19 digits,
   * earliest first and the longest at each start.
   */
  static int cardsInRun(String text, int start, int end, String name, Spans out, Budget budget) {
    int[] groupStart = new int[(end - start) / 2 + 1];
    int[] groupEnd = new int[groupStart.length];
    int groups = 0;
    int i = start;
    while (i < end) {
      int g = i;
      while (i < end && isDigit(text.charAt(i))) {
        i++;
      }
      groupStart[groups] = g;
      groupEnd[groups++] = i;
      i++; // the separator
    }
    int first = 0;
    while (first < groups) {
      int best = -1;
      int digits = 0;
      char lead = text.charAt(groupStart[first]);
      for (int last = first; last < groups; last++) {
        digits += groupEnd[last] - groupStart[last];
        if (digits > MAX_CARD) {
          break;
        }
        if (digits >= MIN_CARD && lead >= '2' && lead <= '6') {
          budget.spend(groupEnd[last] - groupStart[first]);
          if (luhn(text, groupStart[first], groupEnd[last])) {
            best = last;
          }
        }
      }
      if (best >= 0) {
        out.add(groupStart[first], groupEnd[best], name);
        first = best + 1;
      } else {
        first++;
      }
    }
    return end;
  }

  /**
   * An IBAN candidate runs on as long as letters and digits follow ("DE89 3704 0044 0532 0130 00
   * AND MORE"): try each end where a group ends, longest first, for 15 to 34 characters whose
   * mod-97 check holds.
   */
  static int iban(String text, int start, int end, String name, Spans out, Budget budget) {
    for (int stop = end; stop > start; stop--) {
      budget.spend(stop - start);
      boolean groupEnds =
          isAlnum(text.charAt(stop - 1)) && (stop == text.length() || !isAlnum(text.charAt(stop)));
      if (groupEnds) {
        int length = stop - start - spaces(text, start, stop);
        if (length >= MIN_IBAN && length <= MAX_IBAN && mod97(text, start, stop) == 1) {
          out.add(start, stop, name);
          return stop;
        }
      }
    }
    // a longer candidate may hide one that starts later ("XX12 DE89 …")
    return start + 1;
  }

  private static int spaces(String text, int start, int end) {
    int n = 0;
    for (int i = start; i < end; i++) {
      if (text.charAt(i) == ' ') {
        n++;
      }
    }
    return n;
  }

  /** ISO 13616: the first four characters moved to the end, letters as 10..35, modulo 97. */
  private static int mod97(String text, int start, int end) {
    int remainder = 0;
    int headEnd = start + 4; // the candidate's regex has no space in the first four
    for (int i = headEnd; i < end; i++) {
      remainder = mod97Step(remainder, text.charAt(i));
    }
    for (int i = start; i < headEnd; i++) {
      remainder = mod97Step(remainder, text.charAt(i));
    }
    return remainder;
  }

  private static int mod97Step(int remainder, char c) {
    if (c == ' ') {
      return remainder;
    }
    if (isDigit(c)) {
      return (remainder * 10 + (c - '0')) % 97;
    }
    return (remainder * 100 + (c - 'A' + 10)) % 97;
  }

  /** US SSN: area 001-665 or 667-899, group 01-99, serial 0001-9999. */
  static int ssn(String text, int start, int end, String name, Spans out, Budget budget) {
    int area = Integer.parseInt(text, start, start + 3, 10);
    int group = Integer.parseInt(text, start + 4, start + 6, 10);
    int serial = Integer.parseInt(text, start + 7, start + 11, 10);
    if (area != 0
        && area != 666
        && area < 900
        && group != 0
        && serial != 0
        && standsAlone(text, start, end)) {
      out.add(start, end, name);
    }
    return end;
  }

  /** UK NINO: prefixes BG, GB, KN, NK, NT, TN and ZZ are never issued. */
  static int nino(String text, int start, int end, String name, Spans out, Budget budget) {
    String prefix = text.substring(start, start + 2);
    switch (prefix) {
      case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ" -> {}
      default -> out.add(start, end, name);
    }
    return end;
  }

  /** Canadian SIN: nine digits passing Luhn; 0 and 8 are not used as first digit. */
  static int sin(String text, int start, int end, String name, Spans out, Budget budget) {
    char lead = text.charAt(start);
    if (lead != '0' && lead != '8' && luhn(text, start, end) && standsAlone(text, start, end)) {
      out.add(start, end, name);
    }
    return end;
  }
}

package io.statehouse.runtime.policy.guardrail;

import java.util.Arrays;

/**
 * The ranges of one text to redact, each with the name of the rule that found it. Overlapping
 * ranges (a card number inside an e-mail address, two custom rules) are merged, so no part of any
 * match survives; the merged range keeps the name of the one that starts first.
 */
final class Spans {
  private long[] ranges = new long[8];
  private String[] names = new String[8];
  private int size;

  void add(int start, int end, String name) {
    if (end <= start) {
      return;
    }
    if (size == ranges.length) {
      ranges = Arrays.copyOf(ranges, size * 2);
      names = Arrays.copyOf(names, size * 2);
    }
    // start in the high half, end in the low half: sorting the longs sorts by start, then end
    ranges[size] = ((long) start << 32) | end;
    names[size] = name;
    size++;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** {@code text} with every range replaced by {@code [REDACTED:<name>]}. */
  String applyTo(String text) {
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    // by start; at the same start the longer range first, so its name labels the merged range
    Arrays.sort(
        order,
        (a, b) -> {
          int byStart = Integer.compare(start(a), start(b));
          return byStart != 0 ? byStart : Integer.compare(end(b), end(a));
        });
    StringBuilder out = new StringBuilder(text.length());
    int copied = 0;
    int i = 0;
    while (i < size) {
      int first = order[i];
      int start = start(first);
      int end = end(first);
      i++;
      while (i < size && start(order[i]) < end) {
        end = Math.max(end, end(order[i]));
        i++;
      }
      out.append(text, copied, start).append(Guardrails.marker(names[first]));
      copied = end;
    }
    return out.append(text, copied, text.length()).toString();
  }

  private int start(int i) {
    return (int) (ranges[i] >>> 32);
  }

  private int end(int i) {
    return (int) ranges[i];
  }
}

package io.statehouse.runtime.policy.guardrail;

/**
 * The time and size bound of one guardrail check. RE2/J runs in time linear in the text, but a
 * large program over a long text is still slow, so the text is handed to the regex engine through
 * {@link #meter}, which looks at the clock every {@value #CHECK_EVERY} characters read and throws
 * {@link Exceeded} past the deadline. Not thread-safe: one budget per check.
 */
final class Budget {
  /** Characters read between two looks at the clock: a clock read costs about as much as 100. */
  static final int CHECK_EVERY = 256;

  private final long deadline;
  private long charsLeft;
  private int countdown = CHECK_EVERY;

  private Budget(long deadline, long chars) {
    this.deadline = deadline;
    this.charsLeft = chars;
  }

  static Budget start(GuardrailSettings settings) {
    return new Budget(
        System.nanoTime() + settings.regexTimeBudget().toNanos(), settings.maxTextChars());
  }

  /** Counts {@code length} more characters against the size bound; throws past it. */
  void charge(int length) {
    charsLeft -= length;
    if (charsLeft < 0) {
      throw Exceeded.INSTANCE;
    }
  }

  /** One character read; throws past the deadline. */
  void tick() {
    if (--countdown <= 0) {
      lookAtTheClock();
    }
  }

  /** {@code chars} characters read at once (by a built-in's check); throws past the deadline. */
  void spend(int chars) {
    countdown -= chars;
    if (countdown <= 0) {
      lookAtTheClock();
    }
  }

  private void lookAtTheClock() {
    countdown = CHECK_EVERY;
    if (System.nanoTime() - deadline > 0) {
      throw Exceeded.INSTANCE;
    }
  }

  /** {@code text} as the regex engine should read it: every character read counts. */
  CharSequence meter(String text) {
    return new Metered(text, 0, text.length(), this);
  }

  /** The window [from, to) of {@code text}, metered; indexes are relative to {@code from}. */
  CharSequence meter(String text, int from, int to) {
    return new Metered(text, from, to - from, this);
  }

  /** The budget ran out: the check fails closed. No message, no stack (it is control flow). */
  static final class Exceeded extends RuntimeException {
    static final Exceeded INSTANCE = new Exceeded();

    private Exceeded() {
      super("guardrail budget exceeded", null, false, false);
    }
  }

  private record Metered(String text, int offset, int length, Budget budget)
      implements CharSequence {
    @Override
    public int length() {
      return length;
    }

    @Override
    public char charAt(int index) {
      budget.tick();
      return text.charAt(offset + index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return text.subSequence(offset + start, offset + end);
    }

    @Override
    public String toString() {
      return text.substring(offset, offset + length);
    }
  }
}

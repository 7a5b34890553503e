package io.statehouse.bench;

import com.typesafe.config.ConfigFactory;
import io.statehouse.runtime.identity.NodeKeys;
import io.statehouse.runtime.identity.ToolTokenClaims;
import io.statehouse.runtime.identity.ToolTokens;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * What a tool call's identity token costs: {@link ToolTokens#issue} (claims, JSON, base64 and the
 * ES256 signature) on one thread, after a warm-up. Every attempt of every HTTP tool call issues
 * one, on the turn path.
 */
final class IdentityCost {
  private IdentityCost() {}

  static String run(int warmupTokens, int measuredTokens) {
    ToolTokens tokens =
        ToolTokens.fromConfig(ConfigFactory.load(), NodeKeys.generate(), Clock.systemUTC());
    List<Long> samples = new ArrayList<>(measuredTokens);
    int length = 0;
    for (int i = 0; i < warmupTokens + measuredTokens; i++) {
      ToolTokenClaims claims =
          new ToolTokenClaims(
              "acme", "alice", "refunds", 3, "ses_1", "turn_" + i, "call_0", "refund", "k-" + i);
      long start = System.nanoTime();
      length = tokens.issue(claims).length();
      long took = System.nanoTime() - start;
      if (i >= warmupTokens) {
        samples.add(took);
      }
    }
    Stats issue = new Stats(samples);
    return String.format(
        "tool identity token per tool-call attempt (ES256, %d chars; %d tokens after %d warm-up):"
            + " p50 %.1f us, p99 %.1f us, mean %.1f us",
        length,
        issue.count(),
        warmupTokens,
        issue.percentileMs(50) * 1000,
        issue.percentileMs(99) * 1000,
        issue.meanMs() * 1000);
  }
}

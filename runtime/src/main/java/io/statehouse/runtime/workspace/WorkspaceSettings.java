package io.statehouse.runtime.workspace;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Tunables of team workspaces, from {@code statehouse.workspace}: how much one run may hold (a
 * member's model writes it, so every size is bounded), and how the workspace talks to its members.
 *
 * @param toolTimeout how long a member's workspace tool call may take (one ask of the workspace)
 * @param askTimeout one delivery to, or close of, a member's session
 * @param awaitTurn how long one wait for a member's turn lasts before it is asked again (a member
 *     waiting days for an approval is asked again this often)
 * @param retryMin a delivery or close that failed is tried again after this long, backing off to
 *     {@code retryMax}
 * @param maxOutputChars how much of a member turn's final text the workspace keeps and passes on
 */
public record WorkspaceSettings(
    int maxArtifacts,
    int maxArtifactChars,
    int maxPosts,
    int maxPostChars,
    int maxTasks,
    int maxTitleChars,
    int readItems,
    int maxOutputChars,
    Duration toolTimeout,
    Duration askTimeout,
    Duration awaitTurn,
    Duration retryMin,
    Duration retryMax) {

  public static WorkspaceSettings fromConfig(Config config) {
    Config c = config.getConfig("statehouse.workspace");
    return new WorkspaceSettings(
        c.getInt("max-artifacts"),
        c.getInt("max-artifact-chars"),
        c.getInt("max-posts"),
        c.getInt("max-post-chars"),
        c.getInt("max-tasks"),
        c.getInt("max-title-chars"),
        c.getInt("read-items"),
        c.getInt("max-output-chars"),
        c.getDuration("tool-timeout"),
        c.getDuration("ask-timeout"),
        c.getDuration("await-turn"),
        c.getDuration("retry-min"),
        c.getDuration("retry-max"));
  }
}

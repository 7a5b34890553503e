package io.statehouse.runtime.tool.builtin;

import java.time.Duration;

/**
 * Who and what a built-in tool call is made for. The idempotency key is the same for every attempt
 * of a call, including attempts after a crash: a tool with side effects de-duplicates on it.
 *
 * @param timeout how long this attempt may take; past it the call fails and the tool's answer is
 *     ignored
 */
public record CallContext(
    String tenant,
    String subject,
    String sessionId,
    String agent,
    String turnId,
    String callId,
    String idempotencyKey,
    int attempt,
    Duration timeout) {}

package io.statehouse.runtime.telemetry;

/**
 * The SLF4J MDC keys under which log lines written while a session works carry its ids (the node's
 * logback pattern prints them). Ids only: never message text, header values or secrets.
 */
public final class LogIds {
  /** The tenant whose session (or tool call) wrote the line. */
  public static final String TENANT = "tenant";

  /** The session's id (without its tenant). */
  public static final String SESSION = "sessionId";

  /** The turn the session was running when the line was written; absent between turns. */
  public static final String TURN = "turnId";

  /** The tool call a tool-call actor runs. */
  public static final String TOOL_CALL = "toolCallId";

  private LogIds() {}
}

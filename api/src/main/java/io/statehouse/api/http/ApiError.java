package io.statehouse.api.http;

import io.statehouse.runtime.Rejection;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * An error the API answers with: an HTTP status and the body {@code {"error": {"code", "message",
 * …}}}. Thrown (or returned as a failed stage) anywhere in a route; the exception handler writes
 * it.
 */
public final class ApiError extends RuntimeException {
  private static final Map<String, StatusCode> BY_REJECTION =
      Map.ofEntries(
          Map.entry("session_not_found", StatusCodes.NOT_FOUND),
          Map.entry("turn_not_found", StatusCodes.NOT_FOUND),
          Map.entry("tool_not_found", StatusCodes.NOT_FOUND),
          Map.entry("agent_not_found", StatusCodes.NOT_FOUND),
          Map.entry("team_not_found", StatusCodes.NOT_FOUND),
          Map.entry("workspace_not_found", StatusCodes.NOT_FOUND),
          Map.entry("workspace_exists", StatusCodes.CONFLICT),
          Map.entry("turn_in_progress", StatusCodes.CONFLICT),
          Map.entry("queue_full", StatusCodes.CONFLICT),
          Map.entry("no_running_turn", StatusCodes.CONFLICT),
          Map.entry("needs_decision", StatusCodes.CONFLICT),
          Map.entry("session_closed", StatusCodes.CONFLICT),
          Map.entry("session_exists", StatusCodes.CONFLICT),
          Map.entry("not_applicable", StatusCodes.CONFLICT),
          Map.entry("journal_broken", StatusCodes.CONFLICT),
          Map.entry("idempotency_key_reused", StatusCodes.CONFLICT),
          Map.entry("journal_unavailable", StatusCodes.SERVICE_UNAVAILABLE),
          Map.entry("awaiting_approval", StatusCodes.CONFLICT),
          Map.entry("approval_not_found", StatusCodes.NOT_FOUND),
          Map.entry("approval_decided", StatusCodes.CONFLICT),
          Map.entry("invalid_decision", StatusCodes.BAD_REQUEST),
          Map.entry("forbidden", StatusCodes.FORBIDDEN),
          Map.entry("self_approval", StatusCodes.FORBIDDEN),
          Map.entry("unknown_tool", StatusCodes.BAD_REQUEST),
          Map.entry("mcp_server_not_found", StatusCodes.NOT_FOUND),
          Map.entry("mcp_server_in_use", StatusCodes.CONFLICT),
          Map.entry("mcp_tool_in_use", StatusCodes.CONFLICT),
          Map.entry("name_taken", StatusCodes.CONFLICT));

  private final StatusCode status;
  private final String code;
  private final String turnId;

  public ApiError(StatusCode status, String code, String message) {
    this(status, code, message, null);
  }

  public ApiError(StatusCode status, String code, String message, String turnId) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.turnId = turnId;
  }

  public static ApiError badRequest(String message) {
    return new ApiError(StatusCodes.BAD_REQUEST, "invalid_request", message);
  }

  /** 403: the principal is known but its roles do not allow this. */
  public static ApiError forbidden(String message) {
    return new ApiError(StatusCodes.FORBIDDEN, "forbidden", message);
  }

  public static ApiError notFound(String code, String message) {
    return new ApiError(StatusCodes.NOT_FOUND, code, message);
  }

  /** The API's answer to an entity's rejection. */
  public static ApiError from(Rejection r) {
    return new ApiError(
        BY_REJECTION.getOrDefault(r.code(), StatusCodes.BAD_REQUEST),
        r.code(),
        r.getMessage(),
        r.turnId());
  }

  public StatusCode status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String turnId() {
    return turnId;
  }
}

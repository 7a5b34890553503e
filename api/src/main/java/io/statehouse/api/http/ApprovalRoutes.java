package io.statehouse.api.http;

import io.statehouse.api.dto.Views;
import io.statehouse.runtime.Principal;
import io.statehouse.runtime.approval.ApprovalQueue;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/approvals?status=&limit=&after=}: the caller's tenant's approval queue, read from
 * the read model the sessions feed (never a second source of truth: deciding goes to the session,
 * {@code POST /v1/sessions/{id}/approvals/{approvalId}}). For approvers, operators and auditors.
 */
final class ApprovalRoutes extends RouteSupport {
  private final ApprovalQueue queue;

  ApprovalRoutes(RouteSupport base, ApprovalQueue queue) {
    super(base);
    this.queue = queue;
  }

  Route routes(Principal p) {
    return path(
        "approvals",
        () ->
            get(
                () ->
                    parameterOptional(
                        "status",
                        status ->
                            parameterOptional(
                                "limit",
                                limit ->
                                    parameterOptional(
                                        "after", after -> list(p, status, limit, after))))));
  }

  private Route list(
      Principal p, Optional<String> status, Optional<String> rawLimit, Optional<String> after) {
    Access.require(p, "reading the approval queue", Access.READ_APPROVALS);
    Optional<ApprovalQueue.Status> wanted =
        statusParam(status, ApprovalQueue.Status.values(), ApprovalQueue.Status::wire);
    int limit = intParam(rawLimit, "limit", 100, 1, 1000);
    return respond(
        queue
            .list(p.tenant(), wanted, limit, after)
            .thenApply(
                entries ->
                    ApiJson.response(
                        StatusCodes.OK,
                        new Views.ApprovalQueueView(
                            entries.stream().map(Views::queued).toList(),
                            nextAfter(entries, limit, ApprovalQueue.Entry::approvalId)))));
  }
}

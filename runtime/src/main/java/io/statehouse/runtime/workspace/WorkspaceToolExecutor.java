package io.statehouse.runtime.workspace;

import io.statehouse.runtime.Asks;
import io.statehouse.runtime.Futures;
import io.statehouse.runtime.Rejection;
import io.statehouse.runtime.catalog.WorkspaceTarget;
import io.statehouse.runtime.tool.ToolExecutor;
import io.statehouse.runtime.tool.ToolInvocation;
import io.statehouse.runtime.tool.ToolResult;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Runs a member's workspace tool: one ask of the workspace entity, wherever it runs. A refusal
 * ({@code stale_version}, …) is a failure that wrote nothing, which the model is told; no answer in
 * time may have written, and is retried under the same idempotency key (the workspace answers a
 * repeated key with the answer it gave).
 */
public final class WorkspaceToolExecutor implements ToolExecutor {
  private final ClusterSharding sharding;

  public WorkspaceToolExecutor(ClusterSharding sharding) {
    this.sharding = sharding;
  }

  @Override
  public CompletionStage<ToolResult> execute(ToolInvocation inv) {
    WorkspaceTarget target = (WorkspaceTarget) inv.spec().target();
    WorkspaceId workspace = new WorkspaceId(inv.context().tenant(), target.workspaceId());
    return Asks.askWithStatus(
            sharding.entityRefFor(Workspace.ENTITY_TYPE, workspace.entityId()),
            String.class,
            r ->
                new Workspace.Op(
                    target.op(),
                    target.role(),
                    inv.context().sessionId(),
                    inv.context().turnId(),
                    inv.idempotencyKey(),
                    inv.input(),
                    r),
            inv.spec().timeout())
        .<ToolResult>thenApply(ToolResult.Success::new)
        .exceptionally(
            error -> {
              Throwable cause = Futures.unwrap(error);
              if (cause instanceof Rejection r) {
                return ToolResult.Failure.notSent(r.code(), r.getMessage(), false);
              }
              return new ToolResult.Failure(
                  cause instanceof TimeoutException ? "timeout" : "workspace_unavailable",
                  "the workspace did not answer in time",
                  true);
            });
  }
}

package io.statehouse.runtime.session;

import io.statehouse.runtime.model.ModelClients;
import io.statehouse.runtime.tool.ArgumentValidator;
import io.statehouse.runtime.tool.ToolExecutor;
import java.time.Clock;

/** What a session needs from its node: models, a way to run tools, settings and a clock. */
public record SessionDeps(
    ModelClients models,
    ToolExecutor tools,
    ArgumentValidator validator,
    SessionSettings settings,
    Clock clock) {}

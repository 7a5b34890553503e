package io.statehouse.runtime.session;

import io.statehouse.runtime.model.ModelClients;
import io.statehouse.runtime.tool.ArgumentValidator;
import io.statehouse.runtime.tool.ToolExecutor;
import java.time.Clock;

/**
 * What a session needs from its node: models, a way to run tools, the directory its list entry goes
 * to, settings and a clock.
 */
public record SessionDeps(
    ModelClients models,
    ToolExecutor tools,
    ArgumentValidator validator,
    SessionDirectory directory,
    SessionSettings settings,
    Clock clock) {}

package io.statehouse.runtime.usage;

import io.statehouse.runtime.model.Usage;

/** One row of a usage report: its key (an agent, a model or a day), calls and their usage. */
public record UsageGroup(String key, long modelCalls, Usage usage) {}
